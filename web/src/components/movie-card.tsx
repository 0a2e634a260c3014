import type { ReactNode } from 'react';
import { Link } from 'react-router';

/** One movie as a poster card: TMDB's poster when known, a generated gradient with the title otherwise. */
export function MovieCard(props: {
  movieId: number;
  title: string;
  posterUrl: string | null;
  details: string;
  /** Where the title leads (the movie's page); a plain title without. */
  href?: string;
  children?: ReactNode;
}) {
  const hue = (props.movieId * 47) % 360;
  return (
    <li className="movie-card" data-testid="movie-card" data-movie-id={props.movieId}>
      {props.posterUrl ? (
        <img className="poster" src={props.posterUrl} alt={`Poster of ${props.title}`} loading="lazy" />
      ) : (
        <div
          className="poster poster-placeholder"
          style={{
            background: `linear-gradient(160deg, hsl(${hue} 45% 42%), hsl(${(hue + 40) % 360} 50% 22%))`,
          }}
          aria-hidden="true"
        >
          <span>{props.title}</span>
        </div>
      )}
      <div className="movie-meta">
        <h2 title={props.title}>
          {props.href === undefined ? props.title : <Link to={props.href}>{props.title}</Link>}
        </h2>
        <p className="muted small">{props.details}</p>
        {props.children}
      </div>
    </li>
  );
}
