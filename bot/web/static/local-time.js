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
  var startFormat = new Intl.DateTimeFormat("en-GB", {
    weekday: "short", day: "numeric", month: "short", year: "numeric",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: zone
  });
  var endFormat = new Intl.DateTimeFormat("en-GB", {
    hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: zone, timeZoneName: "short"
  });
  var dayFormat = new Intl.DateTimeFormat("en-GB", {
    year: "numeric", month: "2-digit", day: "2-digit", timeZone: zone
  });
  var times = document.querySelectorAll("time[data-local]");
  for (var i = 0; i < times.length; i++) {
    var el = times[i];
    var start = new Date(el.getAttribute("datetime"));
    if (isNaN(start.getTime())) {
      continue;
    }
    var end = new Date(start.getTime() + 60000 * Number(el.getAttribute("data-minutes") || 0));
    var text = startFormat.format(start) + "–" + endFormat.format(end);
    if (dayFormat.format(start) !== dayFormat.format(end)) {
      text = startFormat.format(start) + " – " + startFormat.format(end) + " " +
        endFormat.format(end).split(" ").slice(1).join(" ");
    }
    el.setAttribute("title", el.textContent + " (" + site + ")");
    el.textContent = text;
  }
  var notes = document.querySelectorAll("[data-zone-note]");
  for (var j = 0; j < notes.length; j++) {
    notes[j].textContent = "Times are in your time zone (" + zone + ").";
  }
})();
