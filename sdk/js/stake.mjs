// A wallet's path into stakebid, with viem (a local private-key account
// stands in for the wallet):
//   1. GET /v1/node and /v1/eip712: the domain and the Intent type to sign;
//   2. escrow the ETH in the Settlement (the wallet's own transaction);
//   3. signTypedData (what eth_signTypedData_v4 shows the user);
//   4. POST /v1/intents; 5. poll GET /v1/intents/{id} until it settles.
//
// Usage: node stake.mjs NODE_URL RPC_URL PRIVATE_KEY [AMOUNT_ETH] [PROFILE]
//   PROFILE: conservative | balanced | yield-seeking (default balanced)
// Prints one JSON line: { id, status, owner }.
import { createWalletClient, createPublicClient, http, parseEther, parseAbi } from "viem";
import { privateKeyToAccount } from "viem/accounts";

const [node, rpc, key, amountEth = "3", profile = "balanced"] = process.argv.slice(2);
if (!node || !rpc || !key) {
  console.error("usage: node stake.mjs NODE_URL RPC_URL PRIVATE_KEY [AMOUNT_ETH] [PROFILE]");
  process.exit(2);
}
const get = async (path) => {
  const r = await fetch(node + path);
  const body = await r.json();
  if (!r.ok) throw new Error(`${path}: ${body.message} (${body.code})`);
  return body;
};

// Risk fields per profile (the SDK's profiles, in bps and days).
const PROFILES = {
  conservative: { minNetApyBps: 220, maxLossBps: 150, lossConfidenceBps: 9500, maxOperatorBps: 3000, maxServiceBps: 2500, minLiquidBps: 5000, liquidWithinDays: 7, maxFeeBps: 10 },
  balanced: { minNetApyBps: 260, maxLossBps: 300, lossConfidenceBps: 9500, maxOperatorBps: 5000, maxServiceBps: 4000, minLiquidBps: 2500, liquidWithinDays: 7, maxFeeBps: 20 },
  "yield-seeking": { minNetApyBps: 300, maxLossBps: 700, lossConfidenceBps: 9000, maxOperatorBps: 7000, maxServiceBps: 6000, minLiquidBps: 1000, liquidWithinDays: 14, maxFeeBps: 30 },
};
const risk = PROFILES[profile];
if (!risk) throw new Error(`unknown profile ${profile}`);

const account = privateKeyToAccount(key);
const info = await get("/v1/node");
const template = await get("/v1/eip712");
const settlement = info.domain.settlement;
const chain = { id: Number(info.domain.chain_id), name: "stakebid", nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [rpc] } } };
const wallet = createWalletClient({ account, chain, transport: http(rpc) });
const reader = createPublicClient({ chain, transport: http(rpc) });
const abi = parseAbi([
  "function deposit() payable",
  "function escrowOf(address owner) view returns (uint256)",
  "function nonceUsed(address owner, uint256 nonce) view returns (bool)",
]);

const amount = parseEther(amountEth);
// 2. Fund: escrow what is missing.
const have = await reader.readContract({ address: settlement, abi, functionName: "escrowOf", args: [account.address] });
if (have < amount) {
  const hash = await wallet.writeContract({ address: settlement, abi, functionName: "deposit", value: amount - have });
  await reader.waitForTransactionReceipt({ hash });
}
// A nonce neither used on-chain nor known to the node.
const known = new Set();
for (let cursor = null; ; ) {
  const page = await get(`/v1/owners/${account.address}/intents?limit=500` + (cursor == null ? "" : `&cursor=${cursor}`));
  for (const r of page.intents) known.add(String(r.intent.nonce));
  if (page.next_cursor == null) break;
  cursor = page.next_cursor;
}
let nonce = 0n;
while (known.has(String(nonce)) || (await reader.readContract({ address: settlement, abi, functionName: "nonceUsed", args: [account.address, nonce] }))) nonce++;

const message = {
  owner: account.address,
  asset: "0x0000000000000000000000000000000000000000",
  amount,
  ...Object.fromEntries(Object.entries(risk).map(([k, v]) => [k, v])),
  excludedOperators: [],
  nonce,
  deadline: BigInt(Math.floor(Date.now() / 1000) + 86400),
};
const types = { ...template.types };
delete types.EIP712Domain;
const domain = { ...template.domain, chainId: Number(template.domain.chainId) };
// 3. The wallet signs.
const signature = await account.signTypedData({ domain, types, primaryType: template.primaryType, message });
// 4. Submit: the typed data as eth_signTypedData_v4 JSON (integers as decimal strings).
const json = (v) => (typeof v === "bigint" ? v.toString() : v);
const typedData = { ...template, message: Object.fromEntries(Object.entries(message).map(([k, v]) => [k, json(v)])) };
const r = await fetch(node + "/v1/intents", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ typed_data: typedData, signature }) });
const sub = await r.json();
if (!r.ok) throw new Error(`submit refused: ${sub.message} (${sub.code})`);
console.error(`[wallet] intent ${sub.id} submitted; waiting for settlement`);
// 5. Wait.
let status = sub.status;
for (let i = 0; i < 240 && !["settled", "expired", "cancelled"].includes(status); i++) {
  await new Promise((res) => setTimeout(res, 500));
  status = (await get(`/v1/intents/${sub.id}`)).status;
}
console.log(JSON.stringify({ id: sub.id, status, owner: account.address }));
process.exit(status === "settled" ? 0 : 1);
