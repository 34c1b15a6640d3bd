/* seam live topology page: polls GET /v2.0/seam/topology and redraws.
 * Plain DOM, no framework.  Every value from the server goes in through
 * textContent or setAttribute, never as HTML. */
"use strict";

(function () {
  const POLL_MS = 1500;
  const HIDDEN_POLL_MS = 10000;
  const TOPOLOGY = "/v2.0/seam/topology";
  const SVG = "http://www.w3.org/2000/svg";

  let lastText = null;        // JSON text last drawn.
  let lastTopo = null;        // The topology last drawn.
  let selected = null;        // Id of the network picked in the table, or null.
  let lastOk = null;          // Date of the last good answer.
  let timer = null;           // The next poll, while waiting for it.

  /* The API token the page was opened with (cookie set by seamd on
   * /ui?token=...), or null. */
  function token() {
    for (const part of document.cookie.split(";")) {
      const i = part.indexOf("=");
      if (i > 0 && part.slice(0, i).trim() === "seam_token") {
        return decodeURIComponent(part.slice(i + 1).trim());
      }
    }
    return null;
  }

  /* h("td", {class: "x"}, child, "text", ...): a new element. */
  function h(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v !== null && v !== undefined && v !== false) {
        e.setAttribute(k, v === true ? "" : String(v));
      }
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) {
        continue;
      }
      e.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  function s(tag, attrs, ...children) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      e.setAttribute(k, String(v));
    }
    for (const c of children) {
      e.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  function plural(n, word) {
    return n + " " + word + (n === 1 ? "" : "s");
  }

  function shortId(id) {
    return id ? id.slice(0, 8) : "";
  }

  function badge(text, kind, field) {
    return h("span", {class: "badge " + kind, "data-field": field}, text);
  }

  function sessionKind(state) {
    return {connected: "ok", connecting: "warn"}[state] || "bad";
  }

  function portStatusKind(st) {
    return {ACTIVE: "ok", DOWN: "warn", BUILD: "warn"}[st] || "bad";
  }

  function segmentText(seg) {
    if (seg.network_type === "vxlan") {
      return "vxlan " + seg.segmentation_id;
    }
    if (seg.network_type === "flat") {
      return "flat " + (seg.physical_network || "");
    }
    return "vlan " + seg.segmentation_id + " " + (seg.physical_network || "");
  }

  function netName(nets, id) {
    const n = nets.get(id);
    return n ? (n.name || shortId(n.id)) : shortId(id);
  }

  function fill(tbody, rows) {
    tbody.replaceChildren(...rows);
  }

  function empty(cols, text) {
    return h("tr", {class: "empty"}, h("td", {colspan: cols}, text));
  }

  /* ---- Sections ---- */

  function drawSummary(t) {
    const connected = t.vteps.filter(v => v.connection_state === "connected").length;
    const synced = t.vteps.filter(v => v.in_sync).length;
    const byStatus = {};
    for (const p of t.ports) {
      byStatus[p.status] = (byStatus[p.status] || 0) + 1;
    }
    const tile = (label, value, sub, field) =>
      h("div", {class: "tile", "data-field": field},
        h("div", {class: "value"}, value), h("div", {class: "label"}, label),
        h("div", {class: "sub"}, sub));
    document.getElementById("summary").replaceChildren(
      tile("VTEPs", t.vteps.length,
           connected + " connected · " + synced + " in sync", "n-vteps"),
      tile("tunnels", t.tunnels.length,
           plural(new Set(t.tunnels.flatMap(x => x.vnis)).size, "VNI") + " carried",
           "n-tunnels"),
      tile("networks", t.networks.length,
           plural(t.networks.reduce((a, n) => a + n.segments.length, 0), "segment"),
           "n-networks"),
      tile("ports", t.ports.length,
           Object.keys(byStatus).sort().map(k => byStatus[k] + " " + k).join(" · ") || "none",
           "n-ports"));
  }

  function drawDiagram(t, nets) {
    const box = document.getElementById("diagram");
    const n = t.vteps.length;
    if (!n) {
      box.replaceChildren(h("p", {class: "none"}, "No VTEPs yet (POST /v2.0/seam/vteps)."));
      return;
    }
    /* VTEPs on an ellipse, the first at the top; the drawing is then cut
     * to what it uses.  Past 4 VTEPs, nodes are compact (name and tunnel
     * IP) and tunnels carry their VNIs in a tooltip instead of a label. */
    const compact = n > 4;
    const W = 960, BW = compact ? 150 : 250, BH = compact ? 44 : 80;
    const RX = W / 2 - BW / 2 - 15, RY = compact ? 60 + 18 * n : 130;
    const pos = new Map();
    t.vteps.forEach((v, i) => {
      const a = -Math.PI / 2 + (2 * Math.PI * i) / n;
      pos.set(v.name, n === 1 ? {x: W / 2, y: 0}
                     : n === 2 ? {x: W / 2 + (i ? 1 : -1) * (RX - 60), y: 0}
                     : {x: W / 2 + RX * Math.cos(a), y: RY * Math.sin(a)});
    });
    const ys = [...pos.values()].map(p => p.y);
    const top = Math.min(...ys) - BH / 2 - 10, H = Math.max(...ys) + BH / 2 + 10 - top;
    const svg = s("svg", {viewBox: "0 " + top + " " + W + " " + H, role: "img",
                          "aria-label": "VTEPs and tunnels"});
    const byName = new Map(t.vteps.map(v => [v.name, v]));
    const lines = s("g", {class: "tunnels"});
    const labels = s("g", {class: "tunnel-labels"});
    for (const tun of t.tunnels) {
      const [a, b] = tun.vteps;
      if (!pos.has(a) || !pos.has(b)) {
        continue;
      }
      const pa = pos.get(a), pb = pos.get(b);
      const up = [a, b].every(x => byName.get(x).connection_state === "connected");
      const text = "VNI " + tun.vnis.join(", ");
      const dim = selected && !tun.networks.includes(selected) ? " dim" : "";
      lines.appendChild(s("line", {x1: pa.x, y1: pa.y, x2: pb.x, y2: pb.y,
                                   class: (up ? "tunnel up" : "tunnel down") + dim,
                                   "data-tunnel": a + "|" + b},
                          s("title", {}, a + " ↔ " + b + ": " + text)));
      if (compact) {
        continue;
      }
      /* Lines through the middle cross there: their labels sit off it. */
      const centre = Math.hypot((pa.x + pb.x) / 2 - W / 2, (pa.y + pb.y) / 2) < 40;
      const f = centre ? 0.36 : 0.5;
      const mx = pa.x + (pb.x - pa.x) * f, my = pa.y + (pb.y - pa.y) * f;
      const w = 10 + text.length * 7.2;
      labels.appendChild(s("g", {class: dim},
        s("rect", {x: mx - w / 2, y: my - 11, width: w, height: 22, rx: 11, class: "tlabel"}),
        s("text", {x: mx, y: my + 4, "text-anchor": "middle", class: "tlabel-text"}, text)));
    }
    const nodes = s("g", {class: "nodes"});
    for (const v of t.vteps) {
      const p = pos.get(v.name);
      const kind = sessionKind(v.connection_state);
      const x0 = p.x - BW / 2, y0 = p.y - BH / 2;
      const dim = selected && !v.networks.includes(selected) ? " dim" : "";
      const g = s("g", {class: "node " + kind + dim, "data-vtep": v.name});
      g.appendChild(s("rect", {x: x0, y: y0, width: BW, height: BH, rx: 10,
                               class: "node-box " + v.role}));
      g.appendChild(s("title", {}, v.name + ": " + (v.connection_state || "unknown") +
                      (v.in_sync ? ", in sync" : ", not in sync") +
                      (v.status_detail ? " (" + v.status_detail + ")" : "")));
      const ny = compact ? 19 : 25;       /* Baseline of the name. */
      g.appendChild(s("circle", {cx: x0 + 19, cy: y0 + ny - 5, r: 6, class: "dot " + kind}));
      g.appendChild(s("text", {x: x0 + 31, y: y0 + ny, class: "node-name"}, v.name));
      g.appendChild(s("text", {x: x0 + BW - 11, y: y0 + ny, "text-anchor": "end",
                               class: "node-role"}, v.role === "hypervisor" ? "HV" : "TOR"));
      if (compact) {
        g.appendChild(s("text", {x: x0 + 13, y: y0 + 36, class: "node-sub small"},
                        v.tunnel_ip || "no tunnel IP"));
        nodes.appendChild(g);
        continue;
      }
      g.appendChild(s("text", {x: x0 + 13, y: y0 + 46, class: "node-sub"},
                      (v.tunnel_ip || "no tunnel IP") + " · " +
                      (v.connection_state || "unknown") + (v.in_sync ? " · in sync" : "")));
      g.appendChild(s("text", {x: x0 + 13, y: y0 + 66, class: "node-sub"},
                      plural(v.networks.length, "net") + " · " +
                      plural(v.n_bindings, "binding") + " · " +
                      v.n_remote_macs + " rem. MACs"));
      nodes.appendChild(g);
    }
    svg.append(lines, labels, nodes);
    box.replaceChildren(svg);
  }

  function drawVteps(t, nets) {
    const rows = t.vteps.map(v => h("tr", {"data-id": v.id, "data-name": v.name},
      h("td", {"data-field": "name"},
        h("span", {class: "dot " + sessionKind(v.connection_state)}), " ",
        h("strong", {}, v.name)),
      h("td", {"data-field": "role"}, v.role,
        v.role === "hypervisor" && v.host && v.host !== v.name ? " (" + v.host + ")" : ""),
      h("td", {"data-field": "tunnel_ip", class: "mono"}, v.tunnel_ip || "—"),
      h("td", {"data-field": "target", class: "mono"}, v.target || "dials in"),
      h("td", {}, badge(v.connection_state || "unknown", sessionKind(v.connection_state),
                        "connection_state")),
      h("td", {}, badge(v.in_sync ? "yes" : "no", v.in_sync ? "ok" : "warn", "in_sync")),
      h("td", {"data-field": "networks",
               title: v.networks.map(id => netName(nets, id)).join(", ")},
        v.networks.length),
      h("td", {"data-field": "n_bindings", class: "num"}, v.n_bindings),
      h("td", {"data-field": "n_local_ports", class: "num"}, v.n_local_ports),
      h("td", {"data-field": "n_remote_macs", class: "num"}, v.n_remote_macs),
      h("td", {"data-field": "status_detail", class: "detail"}, v.status_detail)));
    fill(document.querySelector("#vteps tbody"),
         rows.length ? rows : [empty(11, "No VTEPs.")]);
  }

  function drawNetworks(t) {
    const rows = t.networks.map(n => h("tr", {"data-id": n.id, "data-name": n.name,
                                               class: "pick" + (n.id === selected ? " picked" : ""),
                                               title: "show this network in the fabric"},
      h("td", {"data-field": "name"}, h("strong", {}, n.name || "(no name)"),
        h("div", {class: "id"}, n.id)),
      h("td", {"data-field": "vni", class: "num"}, n.vni),
      h("td", {"data-field": "segments"},
        n.segments.map(seg => h("span", {class: "chip " + seg.network_type,
                                         "data-segment": segmentText(seg)},
                                segmentText(seg)))),
      h("td", {"data-field": "subnets", class: "mono"},
        n.subnets.map(sn => h("div", {}, sn.cidr))),
      h("td", {"data-field": "vteps"}, n.vteps.join(", ") || "—"),
      h("td", {"data-field": "ports"},
        Object.keys(n.port_status).sort().map(st =>
          badge(n.port_status[st] + " " + st, portStatusKind(st), "port_status")),
        n.n_ports ? null : "—"),
      h("td", {"data-field": "n_macs", class: "num"}, n.n_macs),
      h("td", {"data-field": "status"}, n.status)));
    fill(document.querySelector("#networks tbody"),
         rows.length ? rows : [empty(8, "No networks.")]);
  }

  function drawBindings(t, nets) {
    const cards = t.vteps.map(v => {
      const rows = [];
      for (const p of v.ports) {
        const links = p.host_links.map(l => l.host + " / " + l.physical_network +
                                            (l.source === "lldp" ? " (lldp)" : ""));
        const bs = p.bindings.length ? p.bindings : [null];
        bs.forEach((b, i) => rows.push(h("tr", {"data-port": p.name,
                                                 "data-vlan": b ? b.vlan : null},
          i === 0 ? h("td", {rowspan: bs.length, class: "mono port"}, p.name) : null,
          h("td", {class: "num", "data-field": "vlan"},
            b ? (b.vlan === 0 ? "untagged" : b.vlan) : "—"),
          h("td", {"data-field": "network"}, b ? netName(nets, b.network_id) : "—"),
          h("td", {class: "src", "data-field": "from"},
            b ? (b.source === "port" ? "port " : "l2gw ") +
                (b.source_name || shortId(b.source_id)) : ""),
          h("td", {}, b ? badge(b.status, portStatusKind(b.status), "status") : null),
          i === 0 ? h("td", {rowspan: bs.length, class: "links"}, links.join(", ") || "—")
                  : null)));
      }
      return h("div", {class: "bcard", "data-vtep": v.name},
        h("h3", {}, h("span", {class: "dot " + sessionKind(v.connection_state)}), " ",
          v.name, h("small", {}, " " + v.role)),
        rows.length
          ? h("table", {class: "small"},
              h("thead", {}, h("tr", {}, h("th", {}, "port"), h("th", {}, "VLAN"),
                                h("th", {}, "network"), h("th", {}, "from"),
                                h("th", {}, "status"), h("th", {}, "host link"))),
              h("tbody", {}, rows))
          : h("p", {class: "none"}, "No bindings."));
    });
    document.getElementById("bindings").replaceChildren(
      ...(cards.length ? cards : [h("p", {class: "none"}, "No VTEPs.")]));
  }

  function drawPorts(t, nets) {
    const rows = t.ports.map(p => h("tr", {"data-id": p.id, "data-name": p.name},
      h("td", {"data-field": "name"}, h("strong", {}, p.name || shortId(p.id)),
        p.device_owner ? h("div", {class: "id"}, p.device_owner) : null),
      h("td", {"data-field": "network"}, netName(nets, p.network_id)),
      h("td", {"data-field": "mac_address", class: "mono"}, p.mac_address),
      h("td", {"data-field": "fixed_ips", class: "mono"},
        p.fixed_ips.map(ip => h("div", {}, ip))),
      h("td", {"data-field": "vnic"}, p.binding_vnic_type),
      h("td", {"data-field": "host"}, p.binding_host_id || "—"),
      h("td", {"data-field": "bound", class: "mono"},
        p.bound.length ? p.bound.map(b => h("div", {}, b.vtep + ":" + b.port +
                                                   (b.vlan ? " vlan " + b.vlan : "")))
                       : "—"),
      h("td", {}, badge(p.status, portStatusKind(p.status), "status")),
      h("td", {"data-field": "detail", class: "detail"}, p.status_detail || p.problem || "")));
    fill(document.querySelector("#ports tbody"),
         rows.length ? rows : [empty(9, "No ports.")]);
  }

  function drawController(c) {
    const e = document.getElementById("controller");
    e.replaceChildren(
      badge(c.active ? "active" : "standby", c.active ? "ok" : "warn", "active"), " ",
      badge(c.nb_synced ? "NB synced" : "NB not synced", c.nb_synced ? "ok" : "bad",
            "nb_synced"));
  }

  /* Marks the table rows of VTEPs, networks and ports that are new or
   * changed since the last answer (not on the first one), for a moment. */
  let seen = null;            // Map id -> JSON of the item, last answer.
  function markChanges(t) {
    const now = new Map();
    for (const item of [...t.vteps, ...t.networks, ...t.ports]) {
      now.set(item.id, JSON.stringify(item));
    }
    if (seen) {
      for (const row of document.querySelectorAll("tr[data-id]")) {
        if (seen.get(row.dataset.id) !== now.get(row.dataset.id)) {
          row.classList.add("changed");
        }
      }
    }
    seen = now;
  }

  function draw(t) {
    const nets = new Map(t.networks.map(n => [n.id, n]));
    if (selected && !nets.has(selected)) {
      selected = null;
    }
    lastTopo = t;
    drawController(t.controller);
    drawSummary(t);
    drawDiagram(t, nets);
    drawVteps(t, nets);
    drawNetworks(t);
    drawBindings(t, nets);
    drawPorts(t, nets);
    markChanges(t);
  }

  function setStatus(state, text) {
    const e = document.getElementById("status");
    e.dataset.state = state;
    e.textContent = text;
    document.body.dataset.state = state;
  }

  function clock(d) {
    return d.toLocaleTimeString([], {hour12: false});
  }

  async function poll() {
    timer = null;
    const headers = {"Accept": "application/json"};
    const tok = token();
    if (tok) {
      headers["X-Auth-Token"] = tok;
    }
    try {
      const r = await fetch(TOPOLOGY, {headers, cache: "no-store",
                                       credentials: "same-origin"});
      if (r.status === 401) {
        setStatus("error", "token refused: open /ui?token=TOKEN");
      } else if (!r.ok) {
        setStatus("error", "seamd answered " + r.status +
                           (lastOk ? "; showing " + clock(lastOk) : ""));
      } else {
        const t = (await r.json()).topology;
        /* time_ms changes with every answer: compare without it, and
         * redraw only on a change (keeps hover and selection). */
        const key = JSON.stringify(Object.assign({}, t, {time_ms: 0}));
        if (key !== lastText) {
          draw(t);
          lastText = key;
          document.body.dataset.draws = String(Number(document.body.dataset.draws || 0) + 1);
        }
        lastOk = new Date();
        setStatus("live", "live · updated " + clock(lastOk));
      }
    } catch (err) {
      setStatus("error", "seamd unreachable" + (lastOk ? " since " + clock(lastOk) : ""));
    }
    /* A hidden tab asks less often; showing it again asks at once. */
    timer = setTimeout(poll, document.hidden ? HIDDEN_POLL_MS : POLL_MS);
  }

  /* Picking a network (click its row; again to drop it) dims the VTEPs
   * and tunnels that do not carry it. */
  document.querySelector("#networks tbody").addEventListener("click", ev => {
    const row = ev.target.closest("tr[data-id]");
    if (row && lastTopo) {
      selected = selected === row.dataset.id ? null : row.dataset.id;
      draw(lastTopo);
    }
  });

  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && timer !== null) {
      clearTimeout(timer);
      timer = null;
      poll();
    }
  });
  poll();
})();
