import { bindDatabase, type HoldsDatabase } from '../storage/index.js';
import { getMovie, listGenres, queryMovies } from './catalogue-store.js';

/** The movie catalogue as the movie routes and the UI read it. */
export function catalogueService(holder: HoldsDatabase) {
  return bindDatabase(holder, { getMovie, listGenres, queryMovies });
}

export type CatalogueService = ReturnType<typeof catalogueService>;
