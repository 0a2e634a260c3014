// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../api/client';
import { ActionResult } from './action-result';
import { formatClockWithZone } from './time';

afterEach(cleanup);

describe('ActionResult', () => {
  it('shows a 503 as a refusal with the local time to retry, never as a success', () => {
    const retryAt = new Date(Date.now() + 90_000);
    render(
      <ActionResult
        outcome={{ kind: 'failed', error: new ApiError('held back while shedding load', 503, 'X', retryAt) }}
      />,
    );
    const banner = screen.getByRole('alert');
    expect(banner.className).toContain('banner-warn');
    expect(banner.className).not.toContain('banner-ok');
    expect(banner.textContent).toBe(
      `Refused (HTTP 503): held back while shedding load · retry after ${formatClockWithZone(retryAt)}`,
    );
  });

  it('shows a server error as a failure and a success in green', () => {
    const { rerender } = render(
      <ActionResult outcome={{ kind: 'failed', error: new ApiError('boom', 500) }} />,
    );
    expect(screen.getByRole('alert').className).toContain('banner-error');
    expect(screen.getByRole('alert').textContent).toBe('Failed (HTTP 500): boom');
    rerender(<ActionResult outcome={{ kind: 'done', message: 'started' }} />);
    expect(screen.getByRole('status').className).toContain('banner-ok');
  });
});
