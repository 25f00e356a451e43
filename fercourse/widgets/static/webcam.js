// The fercourse webcam widget (anywidget front end; plain JavaScript, no build step).
// The page owns the camera: it captures frames with getUserMedia, sends them as JPEG bytes to
// the kernel (one at a time, at most `fps` per second) and draws the kernel's answer -- boxes,
// labels, probabilities and optionally landmarks -- over the live video.

const RESOLUTIONS = [[320, 240], [640, 480], [1280, 720]];
const RATES = [1, 2, 5, 10, 15, 20, 30];
const COLOURS = ["#ff4081", "#00e5ff", "#ffea00", "#76ff03"];
const STALL_MS = 3000; // resend if the kernel has not answered a frame for this long

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function explain(error) {
  const name = error && error.name ? error.name : "Error";
  if (name === "NotAllowedError" || name === "SecurityError")
    return "The camera was blocked. Allow it for this page (the camera icon in the address bar) and press Start again.";
  if (name === "NotFoundError" || name === "OverconstrainedError")
    return "No camera was found (or none offers this resolution). Connect one, or pick a lower resolution.";
  if (name === "NotReadableError")
    return "The camera is busy: close other programs or tabs that use it, then press Start again.";
  return `The camera could not start (${name}: ${error && error.message ? error.message : error}).`;
}

function render({ model, el }) {
  el.classList.add("fercourse-webcam");

  // --- controls
  const bar = element("div", "fc-bar");
  const button = element("button", "fc-start", "Start");
  const rate = element("select", "fc-fps");
  for (const r of RATES) rate.append(new Option(`${r} fps`, String(r)));
  const size = element("select", "fc-size");
  for (const [w, h] of RESOLUTIONS) size.append(new Option(`${w}×${h}`, `${w}x${h}`));
  const mirrorBox = element("label", "fc-check");
  const mirror = element("input");
  mirror.type = "checkbox";
  mirrorBox.append(mirror, " mirror");
  const pointsBox = element("label", "fc-check");
  const points = element("input");
  points.type = "checkbox";
  pointsBox.append(points, " landmarks");
  bar.append(button, rate, size, mirrorBox, pointsBox);

  // --- video with its overlay
  const stage = element("div", "fc-stage");
  const video = element("video", "fc-video");
  video.autoplay = true;
  video.muted = true;
  video.playsInline = true;
  const canvas = element("canvas", "fc-overlay");
  const idle = element("div", "fc-idle", "Camera off. Press Start to stream frames to the kernel.");
  stage.append(video, canvas, idle);

  // --- read-outs
  const label = element("div", "fc-label", "");
  const status = element("div", "fc-status", "");
  const problem = element("div", "fc-error", "");
  const notice = element("div", "fc-notice", "");
  el.append(bar, stage, label, status, problem, notice);

  const grab = document.createElement("canvas"); // off-screen canvas that encodes frames
  let stream = null;
  let timer = null;
  let inFlight = false;
  let sentAt = 0;
  let sent = 0;
  let alive = true;

  function syncControls() {
    button.textContent = model.get("running") ? "Stop" : "Start";
    rate.value = String(Math.round(model.get("fps")));
    if (!RATES.includes(Math.round(model.get("fps")))) {
      rate.append(new Option(`${model.get("fps")} fps`, String(Math.round(model.get("fps")))));
      rate.value = String(Math.round(model.get("fps")));
    }
    size.value = `${model.get("width")}x${model.get("height")}`;
    stage.style.aspectRatio = `${model.get("width")} / ${model.get("height")}`;
    mirror.checked = model.get("mirror");
    points.checked = model.get("points");
    video.classList.toggle("fc-mirrored", model.get("mirror"));
    notice.textContent = model.get("notice");
  }

  function showError(text) {
    problem.textContent = text || "";
    problem.style.display = text ? "block" : "none";
  }

  function drawOverlay() {
    const overlay = model.get("overlay") || {};
    const width = video.clientWidth || 0;
    const height = video.clientHeight || 0;
    canvas.width = width;
    canvas.height = height;
    const ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, width, height);
    const faces = overlay.faces || [];
    if (!stream || !overlay.width || !width) return;
    const sx = width / overlay.width;
    const sy = height / overlay.height;
    const flip = model.get("mirror");
    const X = (x) => (flip ? width - x * sx : x * sx);
    ctx.lineWidth = 2;
    ctx.font = "14px sans-serif";
    faces.forEach((face, i) => {
      const colour = COLOURS[(face.track ?? i) % COLOURS.length];
      const [x, y, w, h] = face.box;
      const left = Math.min(X(x), X(x + w));
      ctx.strokeStyle = colour;
      ctx.strokeRect(left, y * sy, w * sx, h * sy);
      if (face.points) {
        ctx.fillStyle = "#ffea00";
        for (const [px, py] of face.points) ctx.fillRect(X(px) - 1, py * sy - 1, 2, 2);
      }
      if (face.bars) {
        // One bar per class beside the box (independent outputs such as action units).
        const step = 16;
        const textWidth = 44;
        const barWidth = 80;
        const right = Math.max(X(x), X(x + w));
        const start = right + 6 + textWidth + barWidth <= width ? right + 6 : Math.max(0, left - 6 - textWidth - barWidth);
        ctx.font = "12px sans-serif";
        face.bars.forEach(([name, value], k) => {
          const top = y * sy + k * step;
          ctx.fillStyle = "rgba(0, 0, 0, 0.6)";
          ctx.fillRect(start, top, textWidth + barWidth, step - 1);
          ctx.fillStyle = "#fff";
          ctx.fillText(name, start + 3, top + 12);
          ctx.fillStyle = colour;
          ctx.fillRect(start + textWidth, top + 3, barWidth * Math.min(Math.max(value, 0), 1), step - 7);
        });
        ctx.font = "14px sans-serif";
      } else if (face.label) {
        const text = `${face.label} ${face.score.toFixed(2)}`;
        const tw = ctx.measureText(text).width + 8;
        const top = Math.max(y * sy - 20, 0);
        ctx.fillStyle = colour;
        ctx.fillRect(left, top, tw, 20);
        ctx.fillStyle = "#000";
        ctx.fillText(text, left + 4, top + 15);
      }
    });
  }

  function showReading() {
    const overlay = model.get("overlay") || {};
    const face = (overlay.faces || [])[0];
    if (face && face.label) {
      // The label first, then the runners-up the kernel sent.
      const ranked = Object.entries(face.probabilities || {}).filter(([k]) => k !== face.label);
      label.textContent = [[face.label, face.score], ...ranked].map(([k, v]) => `${k} ${v.toFixed(2)}`).join(" · ");
      label.dataset.label = face.label;
    } else if (overlay.faces) {
      label.textContent = overlay.faces.length ? "face found" : "no face in view";
      delete label.dataset.label;
    }
    const parts = [
      stream ? "camera on" : "camera off",
      `sent ${sent}`,
      `kernel received ${model.get("frames_received")}`,
    ];
    if (overlay.fps) parts.push(`${overlay.fps} fps`);
    if (overlay.latency_ms !== undefined) parts.push(`${overlay.latency_ms} ms per frame in the kernel`);
    if (overlay.blinks !== undefined) parts.push(`${overlay.blinks} blinks`);
    status.textContent = parts.join(" · ");
    status.dataset.received = String(model.get("frames_received"));
  }

  function sendFrame() {
    if (!stream || video.readyState < 2) return;
    const width = model.get("width");
    const height = model.get("height");
    grab.width = width;
    grab.height = height;
    grab.getContext("2d").drawImage(video, 0, 0, width, height);
    inFlight = true;
    sentAt = performance.now();
    grab.toBlob(
      (blob) => {
        if (!blob || !alive) {
          inFlight = false;
          return;
        }
        blob.arrayBuffer().then((buffer) => {
          model.send({ type: "frame", width, height, t: sentAt }, undefined, [buffer]);
          sent += 1;
          showReading();
        });
      },
      "image/jpeg",
      model.get("quality"),
    );
  }

  function tick() {
    if (!alive) return;
    const now = performance.now();
    if (inFlight && now - sentAt > STALL_MS) inFlight = false;
    if (model.get("running") && !inFlight && now - sentAt >= 1000 / model.get("fps")) sendFrame();
    timer = setTimeout(tick, 20);
  }

  async function start() {
    showError("");
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      showError(
        "This page cannot use a camera: browsers allow it only on https:// pages or http://localhost. " +
          "Open the notebook through one of those, or use live.demo(pipe, source='camera') in a local kernel.",
      );
      model.set("running", false);
      model.save_changes();
      return;
    }
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        audio: false,
        video: { width: { ideal: model.get("width") }, height: { ideal: model.get("height") } },
      });
    } catch (error) {
      stream = null;
      showError(explain(error));
      model.set("running", false);
      model.save_changes();
      return;
    }
    if (!model.get("running") || !alive) {
      stopStream();
      return;
    }
    video.srcObject = stream;
    idle.style.display = "none";
    try {
      await video.play();
    } catch (error) {
      /* autoplay of a muted video is allowed; ignore a racing stop */
    }
    showReading();
  }

  function stopStream() {
    if (stream) for (const track of stream.getTracks()) track.stop();
    stream = null;
    video.srcObject = null;
    idle.style.display = "flex";
    inFlight = false;
    drawOverlay();
    showReading();
  }

  function onRunning() {
    syncControls();
    if (model.get("running") && !stream) start();
    else if (!model.get("running")) stopStream();
  }

  button.addEventListener("click", () => {
    model.set("running", !model.get("running"));
    model.save_changes();
  });
  rate.addEventListener("change", () => {
    model.set("fps", Number(rate.value));
    model.save_changes();
  });
  size.addEventListener("change", () => {
    const [w, h] = size.value.split("x").map(Number);
    model.set("width", w);
    model.set("height", h);
    model.save_changes();
    if (stream) {
      stopStream();
      start();
    }
  });
  mirror.addEventListener("change", () => {
    model.set("mirror", mirror.checked);
    model.save_changes();
  });
  points.addEventListener("change", () => {
    model.set("points", points.checked);
    model.save_changes();
  });

  const onOverlay = () => {
    inFlight = false;
    drawOverlay();
    showReading();
  };
  const onError = () => showError(model.get("error"));
  model.on("change:overlay", onOverlay);
  model.on("change:frames_received", showReading);
  model.on("change:error", onError);
  model.on("change:running", onRunning);
  model.on("change:fps change:width change:height change:mirror change:points change:notice", syncControls);
  video.addEventListener("loadedmetadata", drawOverlay);

  syncControls();
  showError(model.get("error"));
  showReading();
  tick();
  if (model.get("running")) start();

  return () => {
    alive = false;
    clearTimeout(timer);
    stopStream();
    model.off("change:overlay", onOverlay);
    model.off("change:frames_received", showReading);
    model.off("change:error", onError);
    model.off("change:running", onRunning);
    model.off("change:fps change:width change:height change:mirror change:points change:notice", syncControls);
  };
}

export default { render };
