// The world page's script: it keeps the live part current from the page's
// event stream (the server sends that part again, escaped, whenever the
// world changes) and lets the world's clock tick. Without it the page is
// still whole; it only stops updating.
(function () {
  'use strict';
  var live = document.getElementById('live');
  var state = document.getElementById('live-state');
  var clock = document.getElementById('clock-now');

  function say(text, on) {
    if (!state) return;
    state.textContent = text;
    state.className = on ? 'state on' : 'state';
  }

  if (clock) {
    setInterval(function () {
      var offset = document.getElementById('clock-offset');
      var ms = offset ? Number(offset.getAttribute('data-offset-ms')) || 0 : 0;
      clock.textContent = new Date(Date.now() + ms).toISOString().replace(/\.\d+Z$/, 'Z');
    }, 1000);
  }
  if (!live || !window.EventSource) return;

  function connect() {
    var url = live.getAttribute('data-events') + '&v=' + encodeURIComponent(live.getAttribute('data-version'));
    var es = new EventSource(url);
    es.onopen = function () { say('live', true); };
    es.addEventListener('world', function (e) {
      var open = {};
      live.querySelectorAll('details[open][id]').forEach(function (d) { open[d.id] = true; });
      live.innerHTML = e.data;
      live.querySelectorAll('details[id]').forEach(function (d) { if (open[d.id]) d.open = true; });
      live.setAttribute('data-version', e.lastEventId);
    });
    es.onerror = function () {
      if (es.readyState === EventSource.CLOSED) {
        // Refused (too many live pages) or gone: try again in a while.
        say('not live', false);
        setTimeout(connect, 10000);
      } else {
        say('reconnecting', false);
      }
    };
  }
  connect();
})();
