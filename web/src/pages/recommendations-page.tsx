import { useCallback, useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import { type FeedbackType, fetchRecommendations, type Recommendations, sendFeedback } from '../api/client';
import { MovieCard } from '../components/movie-card';

const COUNT = 12;
/** The server's rule for user ids: 1–128 letters, digits and _ . : @ - (numbers included). */
const USER_ID = /^[A-Za-z0-9_.:@-]{1,128}$/;

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
  const userId = params.get('user') ?? '1';
  const [answer, setAnswer] = useState<Recommendations>();
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const [draft, setDraft] = useState(userId);
  const valid = USER_ID.test(userId);

  const load = useCallback(() => {
    if (!USER_ID.test(userId)) return;
    fetchRecommendations(userId, COUNT)
      .then((next) => {
        setAnswer(next);
        setError(undefined);
      })
      .catch((failure: Error) => setError(failure.message));
  }, [userId]);

  useEffect(() => {
    setDraft(userId);
    load();
  }, [userId, load]);

  const showUser = (next: string) => setParams({ user: next });

  const react = async (movieId: number, title: string, type: FeedbackType) => {
    try {
      await sendFeedback(userId, movieId, type);
      setNotice(`${PAST[type] ?? 'Sent feedback on'} “${title}”: recommendations updated.`);
      load();
    } catch (failure) {
      setError((failure as Error).message);
    }
  };

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
          if (USER_ID.test(draft)) showUser(draft);
        }}
      >
        <label>
          User id
          <input
            value={draft}
            placeholder="7 or test_user_001"
            onChange={(event) => setDraft(event.target.value.trim())}
          />
        </label>
        <button type="submit" className="button" disabled={!USER_ID.test(draft)}>
          Show
        </button>
        <button
          type="button"
          className="button"
          onClick={() => showUser(`visitor_${Math.random().toString(36).slice(2, 10)}`)}
        >
          Act as a new visitor
        </button>
      </form>
      {!valid && (
        <div className="banner banner-error" role="alert">
          “{params.get('user')}” is not a user id: use a number or 1–128 letters, digits and _ . : @ -
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
