// Moves the parts of a console page marked data-live: every few seconds the part is fetched again from
// its fragment endpoint (the same component the page rendered) and swapped in, until the fragment says it
// is done (an element with data-live-done) or the session ends. Without JavaScript the page is still
// whole; it just does not move by itself.
(() => {
  'use strict';
  for (const region of document.querySelectorAll('[data-live]')) {
    const every = Number(region.dataset.liveEvery || 1500);
    const tick = async () => {
      if (region.querySelector('[data-live-done]')) return;
      try {
        // Not text/html: a session that ended answers 401 instead of a redirect to the sign-in page.
        const answer = await fetch(region.dataset.live, { credentials: 'same-origin', headers: { Accept: '*/*' } });
        if (answer.status === 401 || answer.status === 403 || answer.status === 404) {
          region.setAttribute('data-live-stopped', String(answer.status));
          return;
        }
        if (answer.ok) {
          region.innerHTML = await answer.text();
        }
      } catch {
        // The server is restarting or the network dropped: try again at the next tick.
      }
      setTimeout(tick, every);
    };
    setTimeout(tick, every);
  }
})();
