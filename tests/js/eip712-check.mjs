// Independent EIP-712 check with viem: reads stakebid's eth_signTypedData_v4
// JSON, computes the digest and signs it with a local key, the way a wallet
// would. Usage: node eip712-check.mjs TYPED_DATA.json PRIVATE_KEY
import { readFileSync } from "node:fs";
import { hashTypedData } from "viem";
import { privateKeyToAccount } from "viem/accounts";

const [file, key] = process.argv.slice(2);
const td = JSON.parse(readFileSync(file, "utf8"));

// JSON carries integers as decimal strings; viem wants bigint for uint types.
const types = { ...td.types };
delete types.EIP712Domain;
const message = {};
for (const { name, type } of td.types[td.primaryType]) {
  const v = td.message[name];
  message[name] = type.startsWith("uint") ? BigInt(v) : v;
}
const domain = { ...td.domain, chainId: Number(td.domain.chainId) };
const typed = { domain, types, primaryType: td.primaryType, message };

const account = privateKeyToAccount(key);
const digest = hashTypedData(typed);
const signature = await account.signTypedData(typed);
console.log(JSON.stringify({ digest, signature, address: account.address }));
