import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { catalogueService } from '../../data/index.js';
import { lineageService, type resolveDatasetVersion } from '../../lineage/index.js';
import type { Platform } from '../../platform/index.js';
import {
  DatasetDetail,
  DatasetVersionList,
  GenreList,
  Movie,
  MoviePage,
  type ValidationReport,
} from '../schemas/data-api.js';
import { withErrors } from '../schemas/wire.js';

const POSTER_BASE = 'https://image.tmdb.org/t/p/w342';

/** The catalogue (`/api/v1/movies`) and dataset versions (`/api/v1/datasets`). */
export function dataRoutes(platform: Platform): FastifyPluginAsyncZod {
  const lineage = lineageService(platform);
  const catalogue = catalogueService(platform);
  return async (app) => {
    app.get(
      '/api/v1/movies',
      {
        schema: {
          tags: ['data'],
          summary: 'Browse the catalogue: paged, filtered by genre, searched by title',
          querystring: z.object({
            limit: z.coerce.number().int().min(1).max(100).default(20),
            offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
            genre: z.string().min(1).max(64).optional(),
            q: z.string().max(200).optional().describe('case-insensitive part of the title'),
            sort: z.enum(['popularity', 'vote_average', 'title', 'release_date']).default('popularity'),
          }),
          response: withErrors({ 200: MoviePage }),
        },
      },
      async (request) => {
        const { limit, offset, genre, q, sort } = request.query;
        const { movies, total } = await catalogue.queryMovies({
          limit,
          offset,
          sort,
          ...(genre === undefined ? {} : { genre }),
          ...(q === undefined ? {} : { search: q }),
        });
        return {
          movies: movies.map(withPosterUrl),
          pagination: {
            limit,
            offset,
            count: movies.length,
            total,
            has_next: offset + movies.length < total,
          },
        };
      },
    );

    app.get(
      '/api/v1/movies/:movie_id',
      {
        schema: {
          tags: ['data'],
          summary: 'One movie of the catalogue',
          params: z.object({ movie_id: z.coerce.number().int().min(1).max(2_147_483_647) }),
          response: withErrors({ 200: Movie }),
        },
      },
      async (request) => withPosterUrl(await catalogue.getMovie(request.params.movie_id)),
    );

    app.get(
      '/api/v1/genres',
      {
        schema: {
          tags: ['data'],
          summary: 'Genres of the catalogue with their number of movies',
          response: withErrors({ 200: GenreList }),
        },
      },
      async () => ({ genres: await catalogue.listGenres() }),
    );

    app.get(
      '/api/v1/datasets',
      {
        schema: {
          tags: ['data'],
          summary: 'Dataset versions, newest first',
          querystring: z.object({
            dataset: z.string().min(1).max(100).optional(),
            limit: z.coerce.number().int().min(1).max(1000).default(100),
          }),
          response: withErrors({ 200: DatasetVersionList }),
        },
      },
      async (request) => {
        const { dataset, limit } = request.query;
        const versions = await lineage.listDatasetVersions({
          limit,
          ...(dataset === undefined ? {} : { dataset }),
        });
        return { versions: versions.map(serializeVersion) };
      },
    );

    app.get(
      '/api/v1/datasets/:version',
      {
        schema: {
          tags: ['data'],
          summary: 'One dataset version with its validation report and lineage',
          description:
            'The version is a full id, an unambiguous prefix of 6+ characters, or a dataset name (its latest version).',
          params: z.object({ version: z.string().min(1).max(100) }),
          response: withErrors({ 200: DatasetDetail }),
        },
      },
      async (request) => {
        const version = await lineage.resolveDatasetVersion(request.params.version);
        const links = await lineage.lineageOf('dataset', version.version_id);
        // Stored by data/expectations: the report is the one this schema describes, or null before validation.
        const validation = (version.validation ?? null) as z.output<typeof ValidationReport> | null;
        return { ...serializeVersion(version), validation, lineage: links };
      },
    );
  };
}

function withPosterUrl<T extends { poster_path: string | null }>(
  movie: T,
): T & { poster_url: string | null } {
  return { ...movie, poster_url: movie.poster_path === null ? null : `${POSTER_BASE}${movie.poster_path}` };
}

function serializeVersion(version: Awaited<ReturnType<typeof resolveDatasetVersion>>) {
  return {
    version_id: version.version_id,
    dataset: version.dataset,
    format: version.format,
    artifact_key: version.artifact_key,
    size_bytes: Number(version.size_bytes),
    row_count: version.row_count === null ? null : Number(version.row_count),
    source: version.source,
    params: version.params,
    code_revision: version.code_revision,
    is_valid: version.is_valid,
    created_at: new Date(version.created_at).toISOString(),
    updated_at: new Date(version.updated_at).toISOString(),
  };
}
