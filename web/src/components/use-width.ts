import { useLayoutEffect, useState } from 'react';

/**
 * A ref callback and the width in CSS pixels of the element it is given, followed as it resizes (`fallback`
 * until measured). SVG charts draw at this width rather than scaling a fixed drawing, so their labels keep
 * their size on a phone. A callback ref, so an element that appears after the first render is measured too.
 */
export function useWidth(fallback = 640): [(element: Element | null) => void, number] {
  const [element, setElement] = useState<Element | null>(null);
  const [width, setWidth] = useState(fallback);
  useLayoutEffect(() => {
    if (element === null) return;
    const measure = () => {
      const measured = Math.round(element.getBoundingClientRect().width);
      if (measured > 0) setWidth(measured);
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, [element]);
  return [setElement, width];
}
