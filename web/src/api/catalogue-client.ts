/** The movie catalogue and dataset versions. Types come from the server's schemas (src/server/schemas). */
import type {
  DatasetDetail,
  DatasetVersionList,
  GenreList,
  MoviePage,
} from '../../../src/server/schemas/data-api';
import { getJson } from './http';

export type {
  DatasetDetail,
  DatasetVersion,
  ExpectationResult,
  Movie,
  MoviePage,
} from '../../../src/server/schemas/data-api';

export const fetchMovies = (query: URLSearchParams) => getJson<MoviePage>(`/api/v1/movies?${query}`);
export const fetchGenres = () => getJson<GenreList>('/api/v1/genres');
export const fetchDatasets = () => getJson<DatasetVersionList>('/api/v1/datasets');
export const fetchDataset = (version: string) =>
  getJson<DatasetDetail>(`/api/v1/datasets/${encodeURIComponent(version)}`);
