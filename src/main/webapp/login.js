'use strict';
// The page that sent the user here (?next=/path) goes back to the server with the form; the server only follows
// a local path. Kept in the URL, not in a server session: an anonymous visit creates no server state.
(function () {
  const next = new URLSearchParams(location.search).get('next');
  if (next && next.startsWith('/') && !next.startsWith('//')) {
    document.getElementById('next').value = next;
  }
})();
