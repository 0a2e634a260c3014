import { useCallback, useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { type FeedbackType, fetchRecommendations, type Recommendations, sendFeedback } from '../api/client';
import { retractFeedback } from '../api/movies-client';
import { type FeedbackRecord, fetchFeedbackHistory } from '../api/serving-client';
import { MovieCard } from '../components/movie-card';
import { formatTime } from '../components/time';

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

/** Why a movie is in the list, in a few words, from the strategy that chose it. */
const WHY: Record<Recommendations['strategy'], string> = {
  model: 'matches this user’s taste',
  'fold-in': 'like what this user just liked or watched',
  history: 'like movies this user watched',
  'popular-within-taste': 'popular in this user’s favourite genres',
  popular: 'popular with everyone',
};

/** Feedback worth keeping in view: what the user liked, watched or disliked. */
const KEPT = new Set(['like', 'watch', 'dislike']);

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
  const [feedback, setFeedback] = useState<FeedbackRecord[]>([]);
  // Titles seen in this session's lists, to name the movies of the feedback list.
  const [titles, setTitles] = useState<Record<number, string>>({});
  const valid = USER_ID.test(userId);

  const load = useCallback(() => {
    if (!USER_ID.test(userId)) return;
    fetchRecommendations(userId, COUNT)
      .then((next) => {
        setAnswer(next);
        setError(undefined);
        setTitles((known) => ({
          ...known,
          ...Object.fromEntries(next.recommendations.map((movie) => [movie.movie_id, movie.title])),
        }));
      })
      .catch((failure: Error) => {
        setAnswer(undefined);
        setError(failure.message);
      });
    fetchFeedbackHistory(userId)
      .then((history) =>
        setFeedback(history.feedback_history.filter((record) => KEPT.has(record.interaction_type))),
      )
      .catch(() => setFeedback([]));
  }, [userId]);

  useEffect(() => {
    setDraft(userId);
    load();
  }, [userId, load]);

  const showUser = (next: string) => setParams({ user: next });

  const react = async (movieId: number, title: string, type: FeedbackType) => {
    try {
      await sendFeedback(userId, movieId, type);
      setTitles((known) => ({ ...known, [movieId]: title }));
      setNotice(`${PAST[type] ?? 'Sent feedback on'} “${title}”: recommendations updated.`);
      load();
    } catch (failure) {
      setError((failure as Error).message);
    }
  };

  const undo = async (record: FeedbackRecord) => {
    const title = titles[record.movie_id] ?? `movie ${record.movie_id}`;
    try {
      await retractFeedback(userId, record.feedback_id);
      setNotice(
        `Undid “${PAST[record.interaction_type as FeedbackType] ?? record.interaction_type}” on “${title}”: it counts no more.`,
      );
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
            {!valid
              ? 'No recommendations: the user id is not valid.'
              : answer
                ? answer.model.variant === 'baseline'
                  ? `User ${answer.user_id} · the popularity baseline: the first model is still training`
                  : `User ${answer.user_id} · ${answer.model.name} v${answer.model.version} (${answer.model.algorithm}, ${answer.model.variant}) · ${STRATEGY[answer.strategy]}`
                : error
                  ? 'No recommendations for this user right now.'
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
      {valid && feedback.length > 0 && (
        <div className="card feedback-list" data-testid="feedback-list">
          <h2>
            {feedback.length} movie{feedback.length === 1 ? '' : 's'} this user liked, watched or disliked
          </h2>
          <p className="muted small">
            They stay out of the recommendations. Undo withdraws a feedback: it stops counting at once, and
            the withdrawal is kept in the event log.
          </p>
          <ul className="feedback-kept">
            {feedback.map((record) => {
              const title = titles[record.movie_id] ?? `movie ${record.movie_id}`;
              const past = PAST[record.interaction_type as FeedbackType] ?? record.interaction_type;
              return (
                <li key={record.feedback_id} data-testid="feedback-item" data-movie-id={record.movie_id}>
                  <span className="badge badge-neutral">{past}</span>{' '}
                  <Link to={`/movies/${record.movie_id}`}>{title}</Link>{' '}
                  <span className="muted small">{formatTime(record.created_at)}</span>{' '}
                  <button
                    type="button"
                    className="button"
                    aria-label={`Undo ${past} ${title}`}
                    onClick={() => undo(record)}
                  >
                    Undo
                  </button>
                </li>
              );
            })}
          </ul>
        </div>
      )}
      <ul className="movie-grid" aria-label="Recommended movies">
        {answer?.recommendations.map((movie, index) => (
          <MovieCard
            key={movie.movie_id}
            movieId={movie.movie_id}
            title={movie.title}
            href={`/movies/${movie.movie_id}`}
            posterUrl={movie.poster_url}
            details={`${movie.year ?? '—'} · ${movie.genres.join(', ')}`}
          >
            <p className="small rank-line" data-testid="why">
              <strong>#{index + 1}</strong> · score <span className="mono">{movie.score.toFixed(3)}</span> ·{' '}
              {WHY[answer.strategy]}
            </p>
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
