import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { getMovie, listGenres, queryMovies } from '../../data/index.js';
import { lineageOf, listDatasetVersions, resolveDatasetVersion } from '../../lineage/index.js';
import type { Platform } from '../../platform/index.js';

const Movie = z.object({
  movie_id: z.number().int(),
  title: z.string(),
  overview: z.string(),
  genres: z.array(z.string()),
  release_date: z.string().nullable(),
  popularity: z.number(),
  vote_average: z.number(),
  vote_count: z.number().int(),
  poster_path: z.string().nullable(),
  /** Full poster URL on TMDB's image CDN when the movie has one. */
  poster_url: z.string().nullable(),
  source: z.string(),
  dataset_version: z.string(),
});

const MovieList = z.object({
  movies: z.array(Movie),
  pagination: z.object({
    limit: z.number().int(),
    offset: z.number().int(),
    count: z.number().int(),
    total: z.number().int(),
    has_next: z.boolean(),
  }),
});

const DatasetVersion = z.object({
  version_id: z.string(),
  dataset: z.string(),
  format: z.string(),
  artifact_key: z.string(),
  size_bytes: z.number(),
  row_count: z.number().nullable(),
  source: z.string(),
  params: z.record(z.string(), z.unknown()),
  code_revision: z.string(),
  is_valid: z.boolean().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});

const LineageNode = z.object({ kind: z.string(), id: z.string() });

const POSTER_BASE = 'https://image.tmdb.org/t/p/w342';

/** The catalogue (`/api/v1/movies`) and dataset versions (`/api/v1/datasets`). */
export function dataRoutes(platform: Platform): FastifyPluginAsyncZod {
  const db = platform.database.db;
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
          response: { 200: MovieList },
        },
      },
      async (request) => {
        const { limit, offset, genre, q, sort } = request.query;
        const { movies, total } = await queryMovies(db, {
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
          response: { 200: Movie },
        },
      },
      async (request) => withPosterUrl(await getMovie(db, request.params.movie_id)),
    );

    app.get(
      '/api/v1/genres',
      {
        schema: {
          tags: ['data'],
          summary: 'Genres of the catalogue with their number of movies',
          response: {
            200: z.object({ genres: z.array(z.object({ genre: z.string(), movies: z.number().int() })) }),
          },
        },
      },
      async () => ({ genres: await listGenres(db) }),
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
          response: { 200: z.object({ versions: z.array(DatasetVersion) }) },
        },
      },
      async (request) => {
        const { dataset, limit } = request.query;
        const versions = await listDatasetVersions(db, {
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
          response: {
            200: DatasetVersion.extend({
              validation: z.unknown(),
              lineage: z.object({
                ancestors: z.array(LineageNode.extend({ depth: z.number().int() })),
                children: z.array(LineageNode),
              }),
            }),
          },
        },
      },
      async (request) => {
        const version = await resolveDatasetVersion(db, request.params.version);
        const lineage = await lineageOf(db, 'dataset', version.version_id);
        return { ...serializeVersion(version), validation: version.validation, lineage };
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
