import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readMovieLens } from './movielens-import.js';

function folder(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'mlops-ml-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
  return dir;
}

const FLAGS = (genres: number[]) =>
  Array.from({ length: 19 }, (_, index) => (genres.includes(index) ? '1' : '0')).join('|');

describe('MovieLens import', () => {
  it('reads the ml-100k layout, latin-1 titles and genre flags included', async () => {
    const dir = folder({
      'u.item': Buffer.from(
        `1|Toy Story (1995)|01-Jan-1995||http://x|${FLAGS([3, 4, 5])}\n2|Misérables, Les (1995)|12-Dec-1995||http://y|${FLAGS([8])}\n`,
        'latin1',
      ),
      'u.data': '196\t1\t3\t881250949\n186\t1\t5\t891717742\n22\t2\t1\t878887116\n',
    });
    const data = await readMovieLens(dir);
    expect(data.layout).toBe('ml-100k');
    expect(data.movies).toEqual([
      expect.objectContaining({
        movie_id: 1,
        title: 'Toy Story',
        genres: ['Animation', "Children's", 'Comedy'],
        release_date: '1995-01-01',
        popularity: 2,
        vote_count: 2,
        vote_average: 8,
        source: 'movielens',
      }),
      expect.objectContaining({
        movie_id: 2,
        title: 'Misérables, Les',
        genres: ['Drama'],
        release_date: '1995-12-12',
        popularity: 1,
        vote_average: 2,
      }),
    ]);
    expect(data.interactions).toHaveLength(3);
    expect(data.interactions[0]).toEqual({
      user_id: 22,
      content_id: 2,
      watch_seconds: null,
      rating: 2,
      popularity: 1,
      timestamp: 878887116000,
    });
  });

  it('reads the ml-1m layout', async () => {
    const dir = folder({
      'movies.dat':
        "1::Toy Story (1995)::Animation|Children's|Comedy\n2::Jumanji (1995)::Adventure|Children's|Fantasy\n",
      'ratings.dat': '1::1::5::978300760\n1::2::3::978302109\n2::1::4::978301968\n',
    });
    const data = await readMovieLens(dir);
    expect(data.layout).toBe('ml-1m');
    expect(data.movies.map((movie) => [movie.title, movie.vote_average, movie.popularity])).toEqual([
      ['Toy Story', 9, 2],
      ['Jumanji', 6, 1],
    ]);
    expect(data.interactions.map((row) => row.rating)).toEqual([10, 8, 6]);
  });

  it('reads the ml-latest-small layout with quoted CSV titles and half stars', async () => {
    const dir = folder({
      'movies.csv':
        'movieId,title,genres\n1,"American President, The (1995)",Comedy|Drama|Romance\n2,Heat (1995),(no genres listed)\n',
      'ratings.csv': 'userId,movieId,rating,timestamp\n1,1,4.5,964982703\n2,2,0.5,964981247\n',
    });
    const data = await readMovieLens(dir);
    expect(data.layout).toBe('ml-latest-small');
    expect(data.movies[0]).toMatchObject({
      title: 'American President, The',
      genres: ['Comedy', 'Drama', 'Romance'],
    });
    expect(data.movies[1]?.genres).toEqual([]);
    expect(data.interactions.map((row) => row.rating)).toEqual([1, 9]);
  });

  it.each([
    [
      {
        'movies.dat': '1::Toy Story (1995)::Comedy\n',
        'ratings.dat': '1::1::5::978300760\n1::1::five::978300761\n',
      },
      /ratings\.dat line 2: rating "five" is not between 0.5 and 5/,
    ],
    [
      { 'movies.dat': '1::Toy Story (1995)::Comedy\nbroken line\n', 'ratings.dat': '1::1::5::978300760\n' },
      /movies\.dat line 2: expected 3 fields/,
    ],
    [
      { 'movies.dat': '1::Toy Story (1995)::Comedy\n', 'ratings.dat': '1::1::5::978300760\n7::1::4\n' },
      /ratings\.dat line 2: expected 4 fields/,
    ],
    [
      {
        'movies.csv': 'movieId,title,genres\n1,"Unclosed (1995),Comedy\n',
        'ratings.csv': 'userId,movieId,rating,timestamp\n',
      },
      /movies\.csv line \d+/,
    ],
    [
      { 'movies.csv': 'id,name\n1,Heat\n', 'ratings.csv': 'userId,movieId,rating,timestamp\n' },
      /movies\.csv line 1: missing column\(s\) movieId, title, genres/,
    ],
    [
      { 'movies.dat': '1::Toy Story (1995)::Comedy\n', 'ratings.dat': '1::99::5::978300760\n' },
      /refers to movie 99/,
    ],
    [
      {
        'movies.dat': '1::Toy Story (1995)::Comedy\n',
        'ratings.dat': '1::1::5::978300760\n2::1::4::978300761::9\n',
      },
      /ratings\.dat line 2: expected 4 fields \(user, movie, rating, timestamp\), got 5/,
    ],
    [
      {
        'u.item': `1|Toy Story (1995)|01-Jan-1995||http://x|${FLAGS([3])}|extra\n`,
        'u.data': '196\t1\t3\t881250949\n',
      },
      /u\.item line 1: expected 24 fields separated by "\|", got 25/,
    ],
    [
      {
        'u.item': `1|Toy Story (1995)|01-Jan-1995||http://x|${FLAGS([3])}\n`,
        'u.data': '196\t1\t3\t881250949\t0\n',
      },
      /u\.data line 1: expected 4 fields/,
    ],
    [
      {
        'movies.csv': 'movieId,title,genres\n1,Heat (1995),Crime\n',
        'ratings.csv': 'userId,movieId,rating,timestamp\n1,1,4.0,964982703,extra\n',
      },
      /ratings\.csv line 2/,
    ],
    [{ 'readme.txt': 'nothing' }, /is not a MovieLens folder/],
  ])('names the file and line of a bad input (%#)', async (files, message) => {
    await expect(readMovieLens(folder(files))).rejects.toMatchObject({
      code: 'MLOPS_ERR_DATA_INVALID',
      message: expect.stringMatching(message),
    });
  });

  it('reads CR LF line endings but reports them, per file, instead of accepting them silently', async () => {
    const crlf = await readMovieLens(
      folder({
        'movies.dat': '1::Toy Story (1995)::Comedy\n',
        'ratings.dat': '1::1::5::978300760\r\n2::1::4::978300761\r\n',
      }),
    );
    expect(crlf.interactions.map((row) => row.timestamp)).toEqual([978300760000, 978300761000]);
    expect(crlf.warnings).toEqual([
      'ratings.dat: 2 of 2 lines end in CR LF (Windows line endings, first at line 1); read without the CR',
    ]);
    const csv = await readMovieLens(
      folder({
        'movies.csv': 'movieId,title,genres\r\n1,Heat (1995),Crime\r\n',
        'ratings.csv': 'userId,movieId,rating,timestamp\n1,1,4.0,964982703\n',
      }),
    );
    expect(csv.warnings).toEqual([expect.stringMatching(/^movies\.csv: 2 of 2 lines end in CR LF/)]);
    const clean = await readMovieLens(
      folder({ 'movies.dat': '1::Toy Story (1995)::Comedy\n', 'ratings.dat': '1::1::5::978300760\n' }),
    );
    expect(clean.warnings).toEqual([]);
  });

  it('gives string user ids their keys through the identity map, and numbers stay their own keys', async () => {
    const dir = folder({
      'movies.csv': 'movieId,title,genres\n1,Heat (1995),Crime\n2,Up (2009),Animation\n',
      'ratings.csv':
        'userId,movieId,rating,timestamp\nuser_a,1,4.0,964982703\n"7",2,3.5,964982704\nuser_a,2,5,964982705\nuser-b@x,1,1,964982706\n',
    });
    const asked: string[][] = [];
    const data = await readMovieLens(dir, {
      userKeys: async (ids) => {
        asked.push(ids);
        return ids.map((_, index) => 1_000_000_000 + index);
      },
    });
    expect(asked).toEqual([['user_a', 'user-b@x']]);
    expect(data.interactions.map((row) => row.user_id)).toEqual([
      1_000_000_000, 7, 1_000_000_000, 1_000_000_001,
    ]);
  });

  it('stops on a string user id with no identity map, and on an id with bad characters', async () => {
    const movies = 'movieId,title,genres\n1,Heat (1995),Crime\n';
    await expect(
      readMovieLens(
        folder({ 'movies.csv': movies, 'ratings.csv': 'userId,movieId,rating,timestamp\nann,1,4,1\n' }),
      ),
    ).rejects.toMatchObject({
      message: expect.stringMatching(/ratings\.csv line 2: user id "ann" is not a number/),
    });
    await expect(
      readMovieLens(
        folder({ 'movies.csv': movies, 'ratings.csv': 'userId,movieId,rating,timestamp\na b,1,4,1\n' }),
        {
          userKeys: async (ids) => ids.map(() => 1_000_000_000),
        },
      ),
    ).rejects.toMatchObject({
      message: expect.stringMatching(/ratings\.csv line 2: user id "a b" must be a user id/),
    });
  });
});
