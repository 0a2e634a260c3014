import { z } from 'zod';

/** One movie of the catalogue (`/api/v1/movies`). */
export const Movie = z.object({
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
export type Movie = z.input<typeof Movie>;

export const MoviePage = z.object({
  movies: z.array(Movie),
  pagination: z.object({
    limit: z.number().int(),
    offset: z.number().int(),
    count: z.number().int(),
    total: z.number().int(),
    has_next: z.boolean(),
  }),
});
export type MoviePage = z.input<typeof MoviePage>;

export const GenreList = z.object({
  genres: z.array(z.object({ genre: z.string(), movies: z.number().int() })),
});
export type GenreList = z.input<typeof GenreList>;

export const DatasetVersion = z.object({
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
export type DatasetVersion = z.input<typeof DatasetVersion>;

export const DatasetVersionList = z.object({ versions: z.array(DatasetVersion) });
export type DatasetVersionList = z.input<typeof DatasetVersionList>;

export const ExpectationResult = z.object({
  expectation: z.string(),
  column: z.string().nullable(),
  severity: z.string(),
  passed: z.boolean(),
  expected: z.string(),
  observed: z.string(),
});
export type ExpectationResult = z.input<typeof ExpectationResult>;

/** A dataset version's validation report (data/expectations). */
export const ValidationReport = z.object({
  dataset: z.string(),
  passed: z.boolean(),
  evaluated_at: z.string(),
  results: z.array(ExpectationResult),
});

const LineageNode = z.object({ kind: z.string(), id: z.string() });

/** `GET /api/v1/datasets/:version`: a version with its validation report (null when none) and lineage. */
export const DatasetDetail = DatasetVersion.extend({
  validation: ValidationReport.nullable(),
  lineage: z.object({
    ancestors: z.array(LineageNode.extend({ depth: z.number().int() })),
    children: z.array(LineageNode),
  }),
});
export type DatasetDetail = z.input<typeof DatasetDetail>;
