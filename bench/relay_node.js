// The reference: a Node socket.io relay doing exactly what relay_flask.py does.
// Usage: node relay_node.js PORT
"use strict";
const { Server } = require("socket.io");

const port = Number(process.argv[2]);
const io = new Server(port, { cors: { origin: "*" }, pingInterval: 10000, pingTimeout: 20000 });
io.on("connection", (socket) => {
  socket.join("all");
  socket.on("push", (data, ack) => {
    io.to("all").emit("step", data);
    if (typeof ack === "function") ack({ ok: true });
  });
});
console.log(`relay_node listening on ${port}`);
