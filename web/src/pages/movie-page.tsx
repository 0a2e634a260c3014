import { useCallback, useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import type { EntityFeatures, Movie } from '../api/client';
import {
  fetchMovie,
  fetchMovieAudience,
  fetchMovieFeatures,
  fetchSimilarMovies,
  type MovieAudience,
  type SimilarMovies,
} from '../api/movies-client';
import { MovieCard } from '../components/movie-card';
import { usePageSubject } from '../components/page-title';
import { formatTime } from '../components/time';

const MOVIE_ID = /^[1-9]\d{0,9}$/;

/** A feature value as text: numbers rounded, lists joined, nothing as a dash. */
function showValue(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(3);
  if (Array.isArray(value)) return value.map(String).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * One movie: what the catalogue says, its online features, the movies the served model finds most like
 * it, and who watched or rated it (each user links to their recommendations).
 */
export function MoviePage() {
  const { movieId = '' } = useParams();
  const isValid = MOVIE_ID.test(movieId);
  const id = Number(movieId);
  const [movie, setMovie] = useState<Movie>();
  const [problem, setProblem] = useState<string>();
  const [features, setFeatures] = useState<EntityFeatures>();
  const [featuresProblem, setFeaturesProblem] = useState<string>();
  const [similar, setSimilar] = useState<SimilarMovies>();
  const [audience, setAudience] = useState<MovieAudience>();
  usePageSubject(movie?.title);

  const load = useCallback(() => {
    if (!isValid) return;
    setProblem(undefined);
    fetchMovie(id)
      .then(setMovie)
      .catch((failure: Error) => setProblem(failure.message));
    fetchMovieFeatures(id)
      .then(setFeatures)
      .catch((failure: Error) => setFeaturesProblem(failure.message));
    fetchSimilarMovies(id)
      .then(setSimilar)
      .catch((failure: Error) =>
        setSimilar({ movie_id: id, similar: [], count: 0, model: null, note: failure.message }),
      );
    fetchMovieAudience(id)
      .then(setAudience)
      .catch(() => setAudience(undefined));
  }, [id, isValid]);
  useEffect(load, [load]);

  if (!isValid)
    return (
      <section className="page" aria-labelledby="movie-title">
        <h1 id="movie-title">Movie</h1>
        <div className="banner banner-error" role="alert">
          “{movieId}” is not a movie id: movie ids are whole numbers.{' '}
          <Link to="/movies">Browse the catalogue</Link>
        </div>
      </section>
    );

  const featureNames = Object.keys(features?.features ?? {});
  return (
    <section className="page" aria-labelledby="movie-title">
      <div className="movie-head">
        {movie?.poster_url && (
          <img className="poster" src={movie.poster_url} alt={`Poster of ${movie.title}`} />
        )}
        <div>
          <h1 id="movie-title">{movie?.title ?? `Movie ${movieId}`}</h1>
          <p className="muted">
            <Link to="/movies">All movies</Link>
            {movie &&
              ` · ${movie.release_date?.slice(0, 4) ?? '—'} · ${movie.genres.join(', ') || 'no genre'} · ★ ${movie.vote_average.toFixed(1)} (${movie.vote_count} votes)`}
          </p>
          {movie?.overview && <p className="wrap">{movie.overview}</p>}
        </div>
      </div>
      {problem && (
        <div className="banner banner-error" role="alert">
          <strong>Cannot load this movie.</strong> {problem}
        </div>
      )}
      <div className="movie-facts">
        <div className="card" data-testid="movie-features">
          <h2>Features</h2>
          {featuresProblem !== undefined ? (
            <p className="muted small">No features: {featuresProblem}</p>
          ) : features === undefined ? (
            <p className="muted small">Loading features…</p>
          ) : !features.found || featureNames.length === 0 ? (
            <p className="muted small">
              No online features for this movie yet (materialize the feature views).
            </p>
          ) : (
            <table>
              <tbody>
                {featureNames.map((name) => (
                  <tr key={name}>
                    <th scope="row" className="mono wrap">
                      {name}
                    </th>
                    <td className="wrap">{showValue(features.features[name])}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
        <div className="card" data-testid="movie-audience">
          <h2>Who watched it</h2>
          {audience === undefined ? (
            <p className="muted small">Loading…</p>
          ) : (
            <>
              <p>
                <strong>{audience.watches_in_log}</strong> watches in the watch log ·{' '}
                <strong>{audience.feedback_count}</strong> feedback since
              </p>
              <ul className="feedback-kept">
                {audience.feedback.map((item) => (
                  <li
                    key={`${item.user_id}-${item.created_at}-${item.interaction_type}`}
                    data-testid="audience-item"
                  >
                    <span className="badge badge-neutral">{item.interaction_type}</span>
                    <Link to={`/recommendations?user=${encodeURIComponent(String(item.user_id))}`}>
                      user {String(item.user_id)}
                    </Link>
                    {item.rating !== null && <span>rated {item.rating}</span>}
                    <span className="muted small">{formatTime(item.created_at)}</span>
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      </div>
      <h2 className="section-title">Similar movies</h2>
      {similar?.note && <p className="muted">{similar.note}</p>}
      <ul className="movie-grid" aria-label="Similar movies">
        {similar?.similar.map((item) => (
          <MovieCard
            key={item.movie_id}
            movieId={item.movie_id}
            title={item.title}
            posterUrl={item.poster_url}
            href={`/movies/${item.movie_id}`}
            details={`${item.year ?? '—'} · ${item.genres.join(', ')} · similarity ${item.score.toFixed(3)}`}
          />
        ))}
      </ul>
    </section>
  );
}
