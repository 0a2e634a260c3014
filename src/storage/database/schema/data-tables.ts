import type { Json } from './column-types.js';

/** Tables owned by data/ (the movie catalogue): other capabilities go through its service, not these tables. */
export interface DataTables {
  movies: MoviesTable;
}

/** The current catalogue, loaded from the latest catalogue dataset version, for the movie API. */
export interface MoviesTable {
  movie_id: number;
  title: string;
  overview: string;
  genres: Json<string[]>;
  release_date: string | null;
  popularity: number;
  vote_average: number;
  vote_count: number;
  poster_path: string | null;
  source: string;
  dataset_version: string;
}
