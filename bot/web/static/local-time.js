// Progressive enhancement: show teach-meet times in the visitor's own time zone when the
// browser says which that is. Without JavaScript the network's zone (named on the page) is
// shown, so nothing depends on this file.
(function () {
  "use strict";
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (e) {
    return;
  }
  var site = document.documentElement.getAttribute("data-zone");
  if (!zone || zone === site) {
    return;
  }
  var full = new Intl.DateTimeFormat("en-GB", {
    weekday: "short", day: "numeric", month: "short", year: "numeric",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: zone, timeZoneName: "short"
  });
  function parts(date) {
    var out = {};
    var list = full.formatToParts(date);
    for (var k = 0; k < list.length; k++) {
      out[list[k].type] = list[k].value;
    }
    return out;
  }
  // The page's own format: "Tue 17 Nov 2026, 11:00–13:00 GMT-5".
  var times = document.querySelectorAll("time[data-local]");
  for (var i = 0; i < times.length; i++) {
    var el = times[i];
    var start = new Date(el.getAttribute("datetime"));
    if (isNaN(start.getTime())) {
      continue;
    }
    var end = new Date(start.getTime() + 60000 * Number(el.getAttribute("data-minutes") || 0));
    var a = parts(start);
    var b = parts(end);
    var day = a.weekday + " " + a.day + " " + a.month + " " + a.year;
    var endDay = b.weekday + " " + b.day + " " + b.month + " " + b.year;
    var until = (endDay === day ? "" : b.weekday + " " + b.day + " " + b.month + ", ") +
      b.hour + ":" + b.minute;
    el.setAttribute("title", el.textContent + " (" + site + ")");
    el.textContent = day + ", " + a.hour + ":" + a.minute + "–" + until + " " + a.timeZoneName;
  }
  var notes = document.querySelectorAll("[data-zone-note]");
  for (var j = 0; j < notes.length; j++) {
    notes[j].textContent = "Times are in your time zone (" + zone + ").";
  }
})();
