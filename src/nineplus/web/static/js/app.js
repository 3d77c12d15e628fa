/* nineplus — small progressive enhancements. No inline scripts anywhere: everything lives here.
 *
 * (a) Every htmx request to this origin carries the CSRF token from
 *     <meta name="csrf-token" content="..."> as the X-CSRF-Token header.
 * (b) A submit button with data-confirm="question" asks before its form is sent (plain forms and
 *     htmx forms alike); cancelling sends nothing.
 * (c) Buttons with data-dismiss remove their closest .flash (or [data-dismissable]).
 * (d) A scrolling box with data-scroll-end starts scrolled to its end (the newest periods of a table
 *     over time), so a phone shows them first; without JavaScript it starts at the oldest.
 */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") || "" : "";
  }

  function sameOrigin(path) {
    try {
      return new URL(path, window.location.href).origin === window.location.origin;
    } catch (e) {
      return false;
    }
  }

  document.addEventListener("htmx:configRequest", function (evt) {
    var token = csrfToken();
    if (token && sameOrigin(evt.detail.path)) {
      evt.detail.headers["X-CSRF-Token"] = token;
    }
  });

  document.addEventListener("click", function (evt) {
    var target = evt.target;
    if (!(target instanceof Element)) return;
    var asking = target.closest("[data-confirm]");
    if (asking && !window.confirm(asking.getAttribute("data-confirm"))) {
      evt.preventDefault();
      evt.stopImmediatePropagation();
    }
  }, true);

  document.addEventListener("click", function (evt) {
    var target = evt.target;
    if (!(target instanceof Element)) return;
    var button = target.closest("[data-dismiss]");
    if (!button) return;
    var box = button.closest("[data-dismissable], .flash");
    if (box) box.remove();
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-scroll-end]").forEach(function (box) {
      box.scrollLeft = box.scrollWidth;
    });
  });
})();
