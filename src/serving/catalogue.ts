import { catalogueSummaries } from '../data/index.js';
import type { MetadataDb } from '../storage/index.js';

const POSTER_BASE = 'https://image.tmdb.org/t/p/w342';

/** What a recommendation response says about a movie. */
export interface MovieDetails {
  movie_id: number;
  title: string;
  genres: string[];
  year: number | null;
  /** TMDB's poster when the movie has one. */
  poster_url: string | null;
}

/** The served catalogue in memory: responses need details for every recommended movie, fast. */
export class ServingCatalogue {
  private constructor(
    private readonly byId: Map<number, MovieDetails>,
    /** The catalogue's own popularity (TMDB's score): what a fresh install serves before any watch. */
    readonly popularity: ReadonlyMap<number, number>,
    readonly datasetVersion: string | undefined,
  ) {}

  static async load(db: MetadataDb): Promise<ServingCatalogue> {
    const rows = await catalogueSummaries(db);
    const byId = new Map<number, MovieDetails>();
    const popularity = new Map<number, number>();
    for (const row of rows) {
      popularity.set(row.movie_id, Number(row.popularity) || 0);
      const year = row.release_date === null ? null : Number(String(row.release_date).slice(0, 4));
      byId.set(row.movie_id, {
        movie_id: row.movie_id,
        title: row.title,
        genres: row.genres as string[],
        year: year !== null && Number.isFinite(year) ? year : null,
        poster_url: row.poster_path === null ? null : `${POSTER_BASE}${row.poster_path}`,
      });
    }
    return new ServingCatalogue(byId, popularity, rows[0]?.dataset_version);
  }

  get size(): number {
    return this.byId.size;
  }

  get(movieId: number): MovieDetails | undefined {
    return this.byId.get(movieId);
  }

  /** Details for a movie id, or a bare record when the catalogue does not know it (never drops a result). */
  describe(movieId: number): MovieDetails {
    return (
      this.byId.get(movieId) ?? {
        movie_id: movieId,
        title: `Movie ${movieId}`,
        genres: [],
        year: null,
        poster_url: null,
      }
    );
  }
}
