import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import { fetchGenres, fetchMovies, type MoviePage } from '../api/client';
import { MovieCard } from '../components/movie-card';

const PAGE_SIZE = 24;

/** The catalogue: search by title, filter by genre, page through; the URL keeps every choice. */
export function MoviesPage() {
  const [params, setParams] = useSearchParams();
  const [page, setPage] = useState<MoviePage>();
  const [genres, setGenres] = useState<{ genre: string; movies: number }[]>([]);
  const [error, setError] = useState<string>();
  const q = params.get('q') ?? '';
  const genre = params.get('genre') ?? '';
  const offset = Number(params.get('offset') ?? '0') || 0;

  useEffect(() => {
    fetchGenres()
      .then((answer) => setGenres(answer.genres))
      .catch(() => setGenres([]));
  }, []);

  useEffect(() => {
    const query = new URLSearchParams({ limit: String(PAGE_SIZE), offset: String(offset) });
    if (q) query.set('q', q);
    if (genre) query.set('genre', genre);
    fetchMovies(query)
      .then((answer) => {
        setPage(answer);
        setError(undefined);
      })
      .catch((failure: Error) => setError(failure.message));
  }, [q, genre, offset]);

  const update = (changes: Record<string, string>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    setParams(next);
  };

  return (
    <section className="page" aria-labelledby="movies-title">
      <div className="page-head">
        <div>
          <h1 id="movies-title">Movies</h1>
          <p className="muted">
            {page
              ? `${page.pagination.total.toLocaleString()} movies in the catalogue`
              : 'Loading the catalogue…'}
          </p>
        </div>
      </div>
      <search className="filters">
        <label>
          Title
          <input
            type="search"
            value={q}
            placeholder="Search titles"
            onChange={(event) => update({ q: event.target.value, offset: '' })}
          />
        </label>
        <label>
          Genre
          <select value={genre} onChange={(event) => update({ genre: event.target.value, offset: '' })}>
            <option value="">All genres</option>
            {genres.map((entry) => (
              <option key={entry.genre} value={entry.genre}>
                {entry.genre} ({entry.movies})
              </option>
            ))}
          </select>
        </label>
      </search>
      {error && (
        <div className="banner banner-error" role="alert">
          <strong>Cannot load movies.</strong> {error}
        </div>
      )}
      {page && page.movies.length === 0 && <p className="muted">No movie matches.</p>}
      <ul className="movie-grid" aria-label="Movies">
        {page?.movies.map((movie) => (
          <MovieCard
            key={movie.movie_id}
            movieId={movie.movie_id}
            title={movie.title}
            href={`/movies/${movie.movie_id}`}
            posterUrl={movie.poster_url}
            details={`${movie.release_date?.slice(0, 4) ?? '—'} · ★ ${movie.vote_average.toFixed(1)} · ${movie.genres.join(', ')}`}
          />
        ))}
      </ul>
      {page && page.pagination.total > PAGE_SIZE && (
        <nav className="pager" aria-label="Pages">
          <button
            type="button"
            className="button"
            disabled={offset === 0}
            onClick={() => update({ offset: String(Math.max(0, offset - PAGE_SIZE)) })}
          >
            Previous
          </button>
          <span className="muted">
            {offset + 1}–{offset + page.pagination.count} of {page.pagination.total}
          </span>
          <button
            type="button"
            className="button"
            disabled={!page.pagination.has_next}
            onClick={() => update({ offset: String(offset + PAGE_SIZE) })}
          >
            Next
          </button>
        </nav>
      )}
    </section>
  );
}
