// The chat simulator page: chat windows fed by a WebSocket, a composer that posts as any
// roster member, and the clock button. Plain DOM, no framework; text is never parsed as HTML.
(function () {
  "use strict";
  var root = document.getElementById("sim");
  var chats = JSON.parse(root.dataset.chats);
  var csrf = root.dataset.csrf;
  var botName = root.dataset.bot;
  var byId = {};
  chats.forEach(function (c) { byId[c.id] = c; });
  var current = chats.length ? chats[0].id : null;
  var counts = {};
  var unread = {};
  var lastAs = {};  // chat → the member last typed as there
  var ws = null;
  var retry = 500;

  var messages = document.getElementById("messages");
  var asSelect = document.getElementById("as");
  var textInput = document.getElementById("text");
  var errorBox = document.getElementById("sim-error");

  function renderText(el, text) {
    // @mentions stand out as in a chat client; everything else is plain text.
    var parts = text.split(/(@\S+)/);
    parts.forEach(function (p) {
      if (!p) return;
      if (p.charAt(0) === "@") {
        var s = document.createElement("span"); s.className = "mention"; s.textContent = p;
        el.appendChild(s);
      } else {
        el.appendChild(document.createTextNode(p));
      }
    });
  }

  function addLine(line) {
    var div = document.createElement("div");
    div.className = "msg" + (line.bot ? " bot" : "");
    div.dataset.chat = line.chat;
    var meta = document.createElement("div"); meta.className = "meta";
    meta.textContent = line.who + " · " + line.time;
    var body = document.createElement("div"); body.className = "bubble";
    renderText(body, line.text);
    div.appendChild(meta); div.appendChild(body);
    div.hidden = line.chat !== current;
    messages.appendChild(div);
    if (line.chat === current) {
      messages.scrollTop = messages.scrollHeight;
    } else {
      unread[line.chat] = (unread[line.chat] || 0) + 1;
      showUnread(line.chat);
    }
  }

  function showUnread(chatId) {
    var el = document.querySelector('[data-unread="' + cssEscape(chatId) + '"]');
    if (el) el.textContent = unread[chatId] ? String(unread[chatId]) : "";
  }

  function cssEscape(s) { return window.CSS && CSS.escape ? CSS.escape(s) : s; }

  function showCounts() {
    Object.keys(counts).forEach(function (chatId) {
      var c = counts[chatId];
      var el = document.querySelector('[data-count="' + cssEscape(chatId) + '"]');
      if (el) el.textContent = c.reported + "/" + c.due;
    });
    var c = counts[current];
    document.getElementById("win-count").textContent =
      c ? "已报 " + c.reported + "/" + c.due + "，未报 " + c.missing : "";
  }

  function select(chatId) {
    current = chatId;
    unread[chatId] = 0; showUnread(chatId);
    document.querySelectorAll(".chat-tab").forEach(function (b) {
      b.classList.toggle("on", b.dataset.chat === chatId);
    });
    messages.querySelectorAll(".msg").forEach(function (m) {
      m.hidden = m.dataset.chat !== chatId;
    });
    messages.scrollTop = messages.scrollHeight;
    var chat = byId[chatId];
    document.getElementById("win-title").textContent = chat.title;
    asSelect.textContent = "";
    chat.members.forEach(function (m) {
      var o = document.createElement("option");
      o.value = m.account;
      o.textContent = m.name + (m.role && m.role !== "学生" ? "（" + m.role + "）" : "");
      asSelect.appendChild(o);
    });
    if (lastAs[chatId]) asSelect.value = lastAs[chatId];
    showCounts();
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    ws = new WebSocket(scheme + location.host + "/sim/ws?csrf=" + encodeURIComponent(csrf));
    var status = document.getElementById("sim-status");
    ws.onopen = function () { status.textContent = "已连接"; retry = 500; };
    ws.onclose = function () {
      status.textContent = "连接已断开，正在重连…";
      messages.textContent = "";
      setTimeout(connect, retry); retry = Math.min(retry * 2, 10000);
    };
    ws.onmessage = function (ev) {
      var data = JSON.parse(ev.data);
      if (data.type === "line") addLine(data);
      else if (data.type === "counts") { counts = data.chats; showCounts(); }
      else if (data.type === "clock") document.getElementById("sim-clock").textContent = data.now;
      else if (data.type === "error") { errorBox.textContent = data.text; errorBox.hidden = false; }
    };
  }

  document.querySelectorAll(".chat-tab").forEach(function (b) {
    b.addEventListener("click", function () { select(b.dataset.chat); });
  });
  document.getElementById("say").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = textInput.value.trim();
    if (!text || !ws || ws.readyState !== 1) return;
    errorBox.hidden = true;
    lastAs[current] = asSelect.value;
    ws.send(JSON.stringify({ type: "say", chat: current, account: asSelect.value, text: text }));
    textInput.value = "";
  });
  document.getElementById("advance").addEventListener("click", function () {
    if (ws && ws.readyState === 1) ws.send(JSON.stringify({ type: "advance" }));
  });
  if (current) select(current);
  connect();
})();
