// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { MovieCard } from './movie-card';

afterEach(cleanup);

describe('MovieCard', () => {
  it('shows the TMDB poster with an alt text when the movie has one', () => {
    render(
      <MovieCard
        movieId={7}
        title="Heat"
        posterUrl="https://image.tmdb.org/t/p/w342/heat.jpg"
        details="1995 · Crime"
      />,
    );
    const poster = screen.getByRole('img', { name: 'Poster of Heat' });
    expect(poster.getAttribute('src')).toBe('https://image.tmdb.org/t/p/w342/heat.jpg');
    expect(screen.getByRole('heading', { name: 'Heat' })).toBeTruthy();
    expect(screen.getByText('1995 · Crime')).toBeTruthy();
  });

  it('draws a placeholder from the movie id instead, the same colours every time, and renders its actions', () => {
    const { container } = render(
      <MovieCard movieId={42} title="Untitled" posterUrl={null} details="—">
        <button type="button">Like</button>
      </MovieCard>,
    );
    expect(screen.queryByRole('img')).toBeNull();
    const placeholder = container.querySelector('.poster-placeholder') as HTMLElement;
    expect(placeholder.getAttribute('aria-hidden')).toBe('true');
    expect(placeholder.style.background).toContain('hsl(174 45% 42%)');
    expect(screen.getByRole('button', { name: 'Like' })).toBeTruthy();
    expect(container.querySelector('[data-movie-id="42"]')).not.toBeNull();
  });
});
