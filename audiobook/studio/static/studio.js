// The studio's page behaviour: plain JavaScript, no build step, nothing fetched from elsewhere.
"use strict";

const token = document.querySelector('meta[name="studio-token"]').content;
const storyBox = document.getElementById("story");
const storyId = storyBox ? storyBox.dataset.id : null;
const q = (id) => encodeURIComponent(id);

function toast(message, bad) {
  const box = document.getElementById("toast");
  box.textContent = message;
  box.className = "show" + (bad ? " bad" : "");
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.className = ""; }, bad ? 6000 : 2500);
}

async function post(path, body) {
  const response = await fetch(`${path}?id=${q(storyId)}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Studio-Token": token },
    body: JSON.stringify(body || {}),
  });
  let data = {};
  try { data = await response.json(); } catch (e) { data = { error: response.statusText }; }
  if (!response.ok) { throw new Error(data.error || data.detail || response.statusText); }
  return data;
}

function play(src) {
  const sayer = document.getElementById("sayer");
  sayer.src = src;
  return sayer.play().catch(() => {});
}

// --- the script view: quotes, the speaker picker, doubtful lines ---------------------

let picked = null;

function openPicker(span) {
  picked = span;
  const dialog = document.getElementById("picker");
  document.getElementById("picker-text").textContent = span.lastChild.textContent;
  const select = document.getElementById("picker-speaker");
  const speaker = span.dataset.speaker || "(unknown)";
  if (![...select.options].some((o) => o.value === speaker)) {
    select.add(new Option(speaker, speaker), 0);
  }
  select.value = speaker;
  document.getElementById("picker-new").hidden = true;
  dialog.showModal();
  select.focus();
}

async function savePick() {
  const select = document.getElementById("picker-speaker");
  const fresh = document.getElementById("picker-new");
  const speaker = select.value === "__new__" ? fresh.value.trim() : select.value;
  if (!speaker) { toast("Type the new character's name first.", true); return; }
  try {
    const saved = await post("/api/fix", { quote: picked.dataset.id, speaker });
    picked.dataset.speaker = speaker;
    picked.classList.remove("doubtful");
    picked.querySelector(".who").firstChild.textContent = speaker + " ";
    picked.querySelector(".conf").textContent = "100%";
    document.getElementById("picker").close();
    toast(`Saved in ${saved.saved}`);
  } catch (error) {
    toast(error.message, true);
  }
}

function nextDoubtful(step) {
  const all = [...document.querySelectorAll(".quote.doubtful")];
  if (!all.length) { toast("No doubtful lines left."); return; }
  const current = document.querySelector(".quote.current");
  let index = current ? all.indexOf(current) + step : 0;
  index = (index + all.length) % all.length;
  if (current) current.classList.remove("current");
  all[index].classList.add("current");
  const box = document.getElementById("script");
  const top = all[index].getBoundingClientRect().top - box.getBoundingClientRect().top;
  box.scrollTo({ top: box.scrollTop + top - box.clientHeight / 3, behavior: "smooth" });
  all[index].focus({ preventScroll: true });
}

// --- the cast panel ----------------------------------------------------------------------

async function castEdit(edit, name, value) {
  try {
    const saved = await post("/api/cast", { edit, name, value });
    toast(`Saved in ${saved.saved}`);
    setTimeout(() => location.reload(), 400);
  } catch (error) {
    toast(error.message, true);
  }
}

// --- generating and listening ---------------------------------------------------------

function clock(seconds) {
  const m = Math.floor(seconds / 60), s = Math.floor(seconds % 60);
  return `${m}:${String(s).padStart(2, "0")}`;
}

let started = false;

function watch() {
  const row = document.getElementById("progress-row");
  const bar = document.getElementById("progress");
  const text = document.getElementById("progress-text");
  const cancel = document.getElementById("cancel");
  const failure = document.getElementById("job-error");
  row.hidden = false;
  const events = new EventSource(`/api/progress?id=${q(storyId)}`);
  events.onmessage = (message) => {
    const job = JSON.parse(message.data);
    if (job.total) { bar.max = job.total; bar.value = job.done; }
    cancel.hidden = job.state !== "running";
    if (job.state === "running") {
      const left = job.seconds_left == null ? "" : `, ${clock(job.seconds_left)} left`;
      text.textContent = job.total ? `${job.done} / ${job.total} clips${left}` : "reading the story…";
      return;
    }
    events.close();
    if (job.state === "done") {
      bar.max = 1; bar.value = 1;
      text.textContent = "Done: " + job.made;
      toast("The audiobook is ready.");
      if (started) setTimeout(() => location.reload(), 800);
    } else if (job.state === "failed") {
      failure.hidden = false;
      failure.textContent = "audiobook: error: " + job.error;
      text.textContent = "Failed.";
    } else if (job.state === "cancelled") {
      text.textContent = "Cancelled; finished clips are kept for next time.";
    }
  };
  events.onerror = () => events.close();
}

function follow(player) {
  const who = document.querySelector(".now-who");
  const said = document.querySelector(".now-text");
  const track = player.textTracks[0];
  if (!track) return;
  track.mode = "hidden";
  track.addEventListener("cuechange", () => {
    const cue = track.activeCues && track.activeCues[0];
    if (!cue) return;
    const match = /^<v ([^>]*)>([\s\S]*)$/.exec(cue.text);
    who.textContent = match ? match[1] + ":" : "";
    said.textContent = match ? match[2] : cue.text;
  });
}

document.addEventListener("DOMContentLoaded", () => {
  if (!storyBox) return;
  document.getElementById("script").addEventListener("click", (event) => {
    const span = event.target.closest(".quote");
    if (span) openPicker(span);
  });
  document.getElementById("script").addEventListener("keydown", (event) => {
    const span = event.target.closest(".quote");
    if (span && (event.key === "Enter" || event.key === " ")) { event.preventDefault(); openPicker(span); }
  });
  document.addEventListener("keydown", (event) => {
    if (event.target.closest("input, select, textarea, dialog")) return;
    if (event.key === "n") nextDoubtful(1);
    if (event.key === "p") nextDoubtful(-1);
  });
  document.getElementById("picker-speaker").addEventListener("change", (event) => {
    const fresh = document.getElementById("picker-new");
    fresh.hidden = event.target.value !== "__new__";
    if (!fresh.hidden) fresh.focus();
  });
  document.getElementById("picker-save").addEventListener("click", savePick);
  document.getElementById("picker-play").addEventListener("click", () =>
    play(`/api/say?id=${q(storyId)}&quote=${q(picked.dataset.id)}&t=${q(token)}`));
  for (const row of document.querySelectorAll(".cast-row")) {
    const name = row.dataset.name;
    row.querySelector(".gender").addEventListener("change", (e) => castEdit("gender", name, e.target.value));
    row.querySelector(".voice").addEventListener("change", (e) => castEdit("voice", name, e.target.value));
    row.querySelector(".merge").addEventListener("change", (e) => {
      if (e.target.value && confirm(`Merge ${name} into ${e.target.value}? ${name} becomes an alias.`)) {
        castEdit("merge", name, e.target.value);
      }
    });
    row.querySelector(".rename").addEventListener("click", () => {
      const value = prompt(`Rename ${name} to:`, name);
      if (value && value !== name) castEdit("rename", name, value);
    });
    row.querySelector(".play-voice").addEventListener("click", () =>
      play(`/api/say?profile=${q(row.querySelector(".voice").value)}&t=${q(token)}`));
  }
  document.getElementById("generate").addEventListener("click", async () => {
    try {
      document.getElementById("job-error").hidden = true;
      await post("/api/generate");
      started = true;
      watch();
    } catch (error) { toast(error.message, true); }
  });
  document.getElementById("cancel").addEventListener("click", () => post("/api/cancel").catch(
    (error) => toast(error.message, true)));
  const player = document.getElementById("player");
  if (player) {
    follow(player);
    for (const button of document.querySelectorAll(".chapter-jump")) {
      button.addEventListener("click", () => { player.currentTime = Number(button.dataset.start); });
    }
  }
  if (!document.getElementById("progress-row").hidden) watch();
});
