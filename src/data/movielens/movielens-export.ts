import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { InteractionColumns, MovieRecord } from '../records.js';

/** Stars given to a (user, movie) pair none of whose watches carries a rating. */
const UNRATED_STARS = 3;

/**
 * Writes a catalogue and watch log as a MovieLens folder in the ml-1m layout (`movies.dat`,
 * `ratings.dat`), so the MovieLens importer and benches can run on data of a known shape without
 * MovieLens files. One rating per (user, movie) pair, at its first watch, in whole seconds (so, as in
 * MovieLens, many ratings share a second); stars are the pair's first 0–10 rating halved and rounded to
 * 1–5, or 3 when no watch was rated. Lines are ordered by user, then time, as ml-1m orders them.
 */
export async function writeMovieLens(
  dir: string,
  movies: readonly Pick<MovieRecord, 'movie_id' | 'title' | 'genres' | 'release_date'>[],
  watchLog: InteractionColumns,
): Promise<{ movies: number; ratings: number }> {
  await mkdir(dir, { recursive: true });
  const movieLines = movies.map((movie) => {
    const year = movie.release_date?.slice(0, 4);
    const title = `${movie.title.replaceAll('::', ':')}${year === undefined ? '' : ` (${year})`}`;
    const genres = movie.genres.length === 0 ? '(no genres listed)' : movie.genres.join('|');
    return `${movie.movie_id}::${title}::${genres}\n`;
  });
  await writeFile(path.join(dir, 'movies.dat'), Buffer.from(movieLines.join(''), 'latin1'));

  const first = new Map<number, { at: number; stars: number }>();
  const key = (row: number) =>
    (watchLog.user_id[row] as number) * 2 ** 21 + (watchLog.content_id[row] as number);
  for (let row = 0; row < watchLog.length; row++) {
    const at = Math.floor((watchLog.timestamp[row] as number) / 1000);
    const rating = watchLog.rating[row] as number;
    const entry = first.get(key(row));
    const stars = Number.isNaN(rating) ? undefined : Math.min(5, Math.max(1, Math.round(rating / 2)));
    if (entry === undefined) first.set(key(row), { at, stars: stars ?? Number.NaN });
    else {
      if (at < entry.at) entry.at = at;
      if (Number.isNaN(entry.stars) && stars !== undefined) entry.stars = stars;
    }
  }
  const ratings = [...first.entries()]
    .map(([pair, { at, stars }]) => ({
      user: Math.floor(pair / 2 ** 21),
      movie: pair % 2 ** 21,
      at,
      stars: Number.isNaN(stars) ? UNRATED_STARS : stars,
    }))
    .sort((a, b) => a.user - b.user || a.at - b.at || a.movie - b.movie);
  await writeFile(
    path.join(dir, 'ratings.dat'),
    ratings.map((rating) => `${rating.user}::${rating.movie}::${rating.stars}::${rating.at}\n`).join(''),
  );
  return { movies: movies.length, ratings: ratings.length };
}
