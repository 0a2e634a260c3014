import { useCallback, useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import { type FeedbackType, fetchRecommendations, type Recommendations, sendFeedback } from '../api/client';
import { MovieCard } from '../components/movie-card';

const COUNT = 12;

/** The feedback buttons on each card: label and the interaction it records. */
const PAST: Partial<Record<FeedbackType, string>> = { like: 'Liked', dislike: 'Disliked', watch: 'Watched' };
const ACTIONS: [string, FeedbackType][] = [
  ['Like', 'like'],
  ['Dislike', 'dislike'],
  ['Watched', 'watch'],
];

const STRATEGY: Record<Recommendations['strategy'], string> = {
  model: 'from what the model learned about this user',
  'fold-in': 'folded in from this user’s latest feedback, without retraining',
  history: 'from this user’s history',
  'popular-within-taste': 'popular movies in this user’s favourite genres',
  popular: 'popular movies: nothing is known about this user yet',
};

/**
 * Personalised recommendations for a user (in the URL), with the model version that made them. Like,
 * dislike and watched send feedback; the list is fetched again at once and reflects it.
 */
export function RecommendationsPage() {
  const [params, setParams] = useSearchParams();
  const userId = Number(params.get('user') ?? '1');
  const [answer, setAnswer] = useState<Recommendations>();
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const [draft, setDraft] = useState(String(userId));

  const load = useCallback(() => {
    fetchRecommendations(userId, COUNT)
      .then((next) => {
        setAnswer(next);
        setError(undefined);
      })
      .catch((failure: Error) => setError(failure.message));
  }, [userId]);

  useEffect(() => {
    setDraft(String(userId));
    load();
  }, [userId, load]);

  const showUser = (next: number) => setParams({ user: String(next) });

  const react = async (movieId: number, title: string, type: FeedbackType) => {
    try {
      await sendFeedback(userId, movieId, type);
      setNotice(`${PAST[type] ?? 'Sent feedback on'} “${title}”: recommendations updated.`);
      load();
    } catch (failure) {
      setError((failure as Error).message);
    }
  };

  const valid = Number.isInteger(userId) && userId >= 0;
  return (
    <section className="page" aria-labelledby="recommendations-title">
      <div className="page-head">
        <div>
          <h1 id="recommendations-title">For you</h1>
          <p className="muted" data-testid="served-by">
            {answer
              ? `User ${answer.user_id} · ${answer.model.name} v${answer.model.version} (${answer.model.algorithm}, ${answer.model.variant}) · ${STRATEGY[answer.strategy]}`
              : 'Loading recommendations…'}
          </p>
        </div>
      </div>
      <form
        className="filters"
        onSubmit={(event) => {
          event.preventDefault();
          if (/^\d+$/.test(draft)) showUser(Number(draft));
        }}
      >
        <label>
          User id
          <input
            inputMode="numeric"
            value={draft}
            onChange={(event) => setDraft(event.target.value.trim())}
          />
        </label>
        <button type="submit" className="button" disabled={!/^\d+$/.test(draft)}>
          Show
        </button>
        <button
          type="button"
          className="button"
          onClick={() => showUser(900_000 + Math.floor(Math.random() * 99_999))}
        >
          Act as a new visitor
        </button>
      </form>
      {!valid && (
        <div className="banner banner-error" role="alert">
          “{params.get('user')}” is not a user id: use a whole number.
        </div>
      )}
      {error && (
        <div className="banner banner-error" role="alert">
          <strong>Cannot load recommendations.</strong> {error}
        </div>
      )}
      {notice && (
        <div className="banner banner-ok" role="status" data-testid="feedback-notice">
          {notice}
        </div>
      )}
      <ul className="movie-grid" aria-label="Recommended movies">
        {answer?.recommendations.map((movie) => (
          <MovieCard
            key={movie.movie_id}
            movieId={movie.movie_id}
            title={movie.title}
            posterUrl={movie.poster_url}
            details={`${movie.year ?? '—'} · ${movie.genres.join(', ')}`}
          >
            <div className="card-actions">
              {ACTIONS.map(([label, type]) => (
                <button
                  key={type}
                  type="button"
                  className="button"
                  aria-label={`${label} ${movie.title}`}
                  onClick={() => react(movie.movie_id, movie.title, type)}
                >
                  {label}
                </button>
              ))}
            </div>
          </MovieCard>
        ))}
      </ul>
    </section>
  );
}
