import { describe, expect, it } from 'vitest';
import { GENRES, generateCatalogue } from './catalogue-generator.js';
import { generateWatchLog } from './watch-log-generator.js';

const START = Date.UTC(2026, 0, 1);
const END = Date.UTC(2026, 6, 1);

function makeLog(seed: number, drift?: { at: number; tasteShift: number; popularityShift: number }) {
  const movies = generateCatalogue({ movies: 1000, seed, endDate: '2026-07-01' });
  const log = generateWatchLog(movies, {
    users: 1000,
    interactions: 100_000,
    seed,
    start: START,
    end: END,
    ...(drift ? { drift } : {}),
  });
  return { movies, log };
}

describe('synthetic catalogue', () => {
  it('is the same for the same seed and differs for another', () => {
    const a = generateCatalogue({ movies: 200, seed: 7, endDate: '2026-07-01' });
    const b = generateCatalogue({ movies: 200, seed: 7, endDate: '2026-07-01' });
    const c = generateCatalogue({ movies: 200, seed: 8, endDate: '2026-07-01' });
    expect(a).toEqual(b);
    expect(a.map((movie) => movie.title)).not.toEqual(c.map((movie) => movie.title));
  });

  it('has unique titles, valid genres and dates, and a long-tailed popularity', () => {
    const movies = generateCatalogue({ movies: 2000, seed: 42, endDate: '2026-07-01' });
    expect(new Set(movies.map((movie) => movie.title)).size).toBe(2000);
    const genreNames = new Set(GENRES.map((genre) => genre.name));
    for (const movie of movies) {
      expect(movie.genres.length).toBeGreaterThanOrEqual(1);
      expect(movie.genres.every((genre) => genreNames.has(genre))).toBe(true);
      expect(movie.release_date).toMatch(/^\d{4}-\d\d-\d\d$/);
      expect(movie.vote_average).toBeGreaterThanOrEqual(1);
      expect(movie.vote_average).toBeLessThanOrEqual(10);
    }
    const sorted = movies.map((movie) => movie.popularity).sort((x, y) => y - x);
    const total = sorted.reduce((sum, value) => sum + value, 0);
    const top5Percent = sorted.slice(0, 100).reduce((sum, value) => sum + value, 0);
    expect(top5Percent / total).toBeGreaterThan(0.4); // a few movies hold much of the attention
  });
});

describe('synthetic watch log', () => {
  it('is deterministic for a seed, in time order, with valid values', () => {
    const first = makeLog(42).log;
    const second = makeLog(42).log;
    expect(Buffer.from(first.content_id.buffer)).toEqual(Buffer.from(second.content_id.buffer));
    expect(Buffer.from(first.rating.buffer)).toEqual(Buffer.from(second.rating.buffer));
    for (let row = 1; row < first.length; row++)
      expect(first.timestamp[row]).toBeGreaterThanOrEqual(first.timestamp[row - 1] ?? 0);
    expect(Math.min(...first.rating)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...first.rating)).toBeLessThanOrEqual(10);
    expect(Math.min(...first.user_id)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...first.user_id)).toBeLessThanOrEqual(1000);
    expect(first.timestamp[0]).toBeGreaterThanOrEqual(START);
    expect(first.timestamp[first.length - 1]).toBeLessThanOrEqual(END);
  });

  it('has a long tail of items and of user activity', () => {
    const { log } = makeLog(42);
    const perMovie = countBy(log.content_id);
    const perUser = countBy(log.user_id);
    const movieCounts = [...perMovie.values()].sort((x, y) => y - x);
    const top10PercentShare = movieCounts.slice(0, 100).reduce((s, v) => s + v, 0) / log.length;
    expect(top10PercentShare).toBeGreaterThan(0.3);
    const userCounts = [...perUser.values()].sort((x, y) => y - x);
    expect((userCounts[0] ?? 0) / (userCounts[Math.floor(userCounts.length / 2)] ?? 1)).toBeGreaterThan(5);
  });

  it('carries taste signal: a user-kNN recommender clearly beats popularity on a time split', () => {
    const { log } = makeLog(42);
    const split = Math.floor(log.length * 0.8);
    const seen = new Map<number, Set<number>>();
    const popularity = new Map<number, number>();
    for (let row = 0; row < split; row++) {
      const user = log.user_id[row] ?? 0;
      const movie = log.content_id[row] ?? 0;
      const userSeen = seen.get(user) ?? new Set<number>();
      userSeen.add(movie);
      seen.set(user, userSeen);
      popularity.set(movie, (popularity.get(movie) ?? 0) + 1);
    }
    const future = new Map<number, Set<number>>();
    for (let row = split; row < log.length; row++) {
      const user = log.user_id[row] ?? 0;
      const movie = log.content_id[row] ?? 0;
      if (!seen.has(user) || seen.get(user)?.has(movie)) continue;
      const truth = future.get(user) ?? new Set<number>();
      truth.add(movie);
      future.set(user, truth);
    }
    const byPopularity = [...popularity.entries()].sort((a, b) => b[1] - a[1]).map(([movie]) => movie);
    const users = [...seen.keys()];
    const rarity = (movie: number) => Math.log(1000 / (popularity.get(movie) ?? 1));
    const topUnseen = (user: number, ranked: number[]) =>
      ranked.filter((movie) => !seen.get(user)?.has(movie)).slice(0, 10);
    const recall = (recommend: (user: number) => number[]) => {
      let hits = 0;
      let total = 0;
      for (const [user, truth] of future) {
        hits += recommend(user).filter((movie) => truth.has(movie)).length;
        total += Math.min(10, truth.size);
      }
      return hits / total;
    };
    const popularRecall = recall((user) => topUnseen(user, byPopularity));
    const neighbourRecall = recall((user) => {
      const mine = seen.get(user) ?? new Set<number>();
      const neighbours = users
        .filter((other) => other !== user)
        .map((other) => {
          const theirs = seen.get(other) ?? new Set<number>();
          let shared = 0;
          for (const movie of mine) if (theirs.has(movie)) shared += rarity(movie);
          return { other, similarity: shared / Math.sqrt(mine.size * theirs.size) };
        })
        .sort((a, b) => b.similarity - a.similarity)
        .slice(0, 40);
      const scores = new Map<number, number>();
      for (const { other, similarity } of neighbours) {
        for (const movie of seen.get(other) ?? []) scores.set(movie, (scores.get(movie) ?? 0) + similarity);
      }
      return topUnseen(
        user,
        [...scores.entries()].sort((a, b) => b[1] - a[1]).map(([movie]) => movie),
      );
    });
    expect(neighbourRecall).toBeGreaterThan(popularRecall * 1.3);
  });

  it('rates movies that fit the taste higher', () => {
    const { movies, log } = makeLog(42);
    const byId = new Map(movies.map((movie) => [movie.movie_id, movie]));
    let highQuality = 0;
    let highCount = 0;
    let lowQuality = 0;
    let lowCount = 0;
    for (let row = 0; row < log.length; row++) {
      const quality = byId.get(log.content_id[row] ?? 0)?.quality ?? 0;
      if (quality > 1) {
        highQuality += log.rating[row] ?? 0;
        highCount++;
      } else if (quality < -1) {
        lowQuality += log.rating[row] ?? 0;
        lowCount++;
      }
    }
    expect(highQuality / highCount - lowQuality / lowCount).toBeGreaterThan(1);
  });

  it('shifts behaviour after the drift date, and only after', () => {
    const at = Date.UTC(2026, 3, 1);
    const plain = makeLog(42).log;
    const drifted = makeLog(42, { at, tasteShift: 0.8, popularityShift: 0.5 }).log;
    const countBeforeDrift = (log: typeof plain) => {
      const counts = new Map<number, number>();
      for (let row = 0; row < log.length; row++)
        if ((log.timestamp[row] ?? 0) < at)
          counts.set(log.content_id[row] ?? 0, (counts.get(log.content_id[row] ?? 0) ?? 0) + 1);
      return counts;
    };
    const countAfterDrift = (log: typeof plain) => {
      const counts = new Map<number, number>();
      for (let row = 0; row < log.length; row++)
        if ((log.timestamp[row] ?? 0) >= at)
          counts.set(log.content_id[row] ?? 0, (counts.get(log.content_id[row] ?? 0) ?? 0) + 1);
      return counts;
    };
    const overlap = (a: Map<number, number>, b: Map<number, number>) => {
      const top = (m: Map<number, number>) =>
        new Set(
          [...m.entries()]
            .sort((x, y) => y[1] - x[1])
            .slice(0, 50)
            .map(([k]) => k),
        );
      const ta = top(a);
      return [...top(b)].filter((movie) => ta.has(movie)).length / 50;
    };
    expect(overlap(countBeforeDrift(plain), countBeforeDrift(drifted))).toBeGreaterThan(0.8);
    expect(overlap(countAfterDrift(plain), countAfterDrift(drifted))).toBeLessThan(0.6);
  });
});

function countBy(values: Int32Array): Map<number, number> {
  const counts = new Map<number, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}
