// The official wechaty puppet service (npm wechaty-puppet-service) serving a mock WeChat
// (npm wechaty-puppet-mock), for pingan's tests: a peer nobody in pingan wrote.
//
//   node peer.js '<setup JSON>'
//
// setup: {"port": 8788, "token": "insecure_…",
//         "bot": {"id": "wxid_bot", "name": "平安小助手"},
//         "contacts": [{"id": "wxid_zs", "name": "张三"}, …],
//         "rooms": [{"id": "…@chatroom", "topic": "计科1班", "members": ["wxid_bot", "wxid_zs"]}],
//         "tls": false, "caFile": "/tmp/ca.pem"}
//
// Control channel, one JSON object per line:
//   stdin   {"say": {"from": "wxid_zs", "to": "…@chatroom", "text": "…", "mentions": ["wxid_bot"]}}
//   stdout  {"event": "listening", "port": 8788}              once the service accepts clients
//           {"event": "said", "id": "…"}                       a mock contact's message is out
//           {"event": "bot", "to": "…", "text": "…", "type": 7} what the bot sent (7 = text)
//           {"event": "error", "message": "…"}                 a control line that failed
// Without "tls" the service runs in plaintext, as a gateway started with
// WECHATY_PUPPET_SERVICE_NO_TLS_INSECURE_SERVER=true. With it, the service serves its
// built-in certificate for `insecure` (what `insecure_…` tokens are checked against), and the
// Wechaty community CA that signed it is written to "caFile" for the client.
// Set WECHATY_LOG=verbose to see the service's own log on stderr.

import fs from 'node:fs'
import readline from 'node:readline'

process.env.WECHATY_LOG = process.env.WECHATY_LOG || 'warn'
// stdout is the control channel: every log line of the packages goes to stderr
for (const level of ['log', 'info', 'debug', 'warn']) {
  console[level] = (...args) => console.error(...args)
}

const { PuppetServer } = await import('wechaty-puppet-service')
const { PuppetMock, mock } = await import('wechaty-puppet-mock')

const setup = JSON.parse(process.argv[2])
const emit = obj => process.stdout.write(JSON.stringify(obj) + '\n')

const mocker = new mock.Mocker()
const puppet = new PuppetMock({ mocker })
const contacts = new Map()
const bot = mocker.createContact({ id: setup.bot.id, name: setup.bot.name })
contacts.set(bot.id, bot)
for (const c of setup.contacts) {
  contacts.set(c.id, mocker.createContact({ id: c.id, name: c.name }))
}
const rooms = new Map()
for (const r of setup.rooms) {
  rooms.set(r.id, mocker.createRoom({ id: r.id, topic: r.topic, memberIdList: r.members }))
}

// What the bot says goes through PuppetMock.messageSendText → bot.say(text).to(conversation),
// which stores a message whose talker is the bot and emits it (the self-echo a real account
// also produces). Reported here so a test can read what the bot said.
const reportBot = message => {
  const p = message.payload
  if (p.talkerId !== bot.id) return
  emit({ event: 'bot', to: p.roomId || p.listenerId, text: p.text ?? '', type: p.type })
}
for (const room of rooms.values()) room.on('message', reportBot)
for (const contact of contacts.values()) {
  if (contact !== bot) contact.on('message', reportBot)
}

await puppet.start()
mocker.login(bot)

if (setup.tls) {
  // not in the package's exports: imported by path from the installed package
  const { TLS_CA_CERT } = await import(
    './node_modules/wechaty-puppet-service/dist/esm/src/auth/ca.js'
  )
  fs.writeFileSync(setup.caFile, TLS_CA_CERT)
}

const server = new PuppetServer({
  endpoint: `127.0.0.1:${setup.port}`,
  puppet,
  token: setup.token,
  tls: { disable: !setup.tls },
})
await server.start()
emit({ event: 'listening', port: setup.port })

const lines = readline.createInterface({ input: process.stdin })
lines.on('line', line => {
  try {
    const command = JSON.parse(line)
    if (command.say) {
      const { from, to, text, mentions = [] } = command.say
      const talker = contacts.get(from)
      if (!talker) throw new Error(`no contact ${from}`)
      const conversation = rooms.get(to) || contacts.get(to)
      if (!conversation) throw new Error(`no room or contact ${to}`)
      const mentioned = mentions.map(id => contacts.get(id))
      const before = new Set(mocker.cacheMessagePayload.keys())
      talker.say(text, mentioned).to(conversation)
      const id = [...mocker.cacheMessagePayload.keys()].find(k => !before.has(k))
      emit({ event: 'said', id })
    } else {
      throw new Error(`unknown command ${line}`)
    }
  } catch (e) {
    emit({ event: 'error', message: String(e && e.message || e) })
  }
})

const shutdown = async () => {
  await server.stop().catch(() => {})
  process.exit(0)
}
lines.on('close', shutdown)
process.on('SIGTERM', shutdown)
