#!/usr/bin/env bash
# Installs what stakebid needs on a fresh machine, idempotently:
#   - Debian: coinor-libcbc-dev (the default LP backend), nats-server,
#     chromium (the explorer's browser test), postgresql (the replicated store;
#     its binaries stay off PATH, tests start private clusters)
#   - npm (tests/js): viem (the independent EIP-712 implementation tests check
#     against), solc 0.8.28 (compiles the contracts), anvil 1.7.1 (the local chain),
#     playwright-core (drives Debian's chromium for the explorer test; no browser download)
# Prints what it does; does nothing that is already done.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

need_apt=()
for pkg in coinor-libcbc-dev nats-server pkg-config chromium postgresql; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if ((${#need_apt[@]})); then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  say "installing Debian packages: ${need_apt[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
else
  say "Debian packages present (coinor-libcbc-dev, nats-server, chromium, postgresql)"
fi

command -v node >/dev/null || { echo "node and npm are required (Node.js 20+)"; exit 1; }
if [ ! -d "$here/js/node_modules/viem" ] || [ ! -d "$here/js/node_modules/@lido-sdk/contracts" ] || [ ! -d "$here/js/node_modules/playwright-core" ] || [ ! -x "$here/js/node_modules/.bin/solcjs" ] || [ ! -x "$here/js/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil" ] || [ "$here/js/package-lock.json" -nt "$here/js/node_modules/.package-lock.json" ]; then
  say "installing npm packages in tests/js (viem, solc, anvil, playwright-core, @lido-sdk/contracts)"
  # `npm ci` refuses this lock: anvil lists per-platform optional packages
  # and only the one for this machine is locked. `npm install` follows the
  # lock as written and leaves it unchanged.
  (cd "$here/js" && npm install --no-fund --no-audit --loglevel=error)
else
  say "npm packages present in tests/js"
fi
if [ ! -f "$here/../settlement/node_modules/solc/package.json" ] || [ "$here/../settlement/package-lock.json" -nt "$here/../settlement/node_modules/.package-lock.json" ]; then
  say "installing solc 0.8.28 in settlement/ (settlement/compile.sh's compiler)"
  (cd "$here/../settlement" && npm install --no-fund --no-audit --loglevel=error)
fi
if [ ! -d "$here/../sdk/js/node_modules/viem" ] || [ ! -x "$here/../sdk/js/node_modules/.bin/tsc" ] || [ "$here/../sdk/js/package-lock.json" -nt "$here/../sdk/js/node_modules/.package-lock.json" ]; then
  say "installing npm packages in sdk/js (viem, typescript: the wallet kit's tests)"
  (cd "$here/../sdk/js" && npm install --no-fund --no-audit --loglevel=error)
fi
# schemathesis (PyPI) fuzzes the node's API from its OpenAPI document; it
# lives in its own virtualenv beside the build cache, pinned.
st_venv="${STAKEBID_PY_VENV:-$HOME/.cache/stakebid-py}"
st_version="4.32.5"
if [ ! -x "$st_venv/bin/schemathesis" ] || ! "$st_venv/bin/schemathesis" --version 2>/dev/null | grep -q "$st_version"; then
  command -v python3 >/dev/null || { echo "python3 (3.9+) is required for the API fuzz test"; exit 1; }
  say "installing schemathesis $st_version into $st_venv"
  python3 -m venv "$st_venv"
  "$st_venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$st_version"
else
  say "schemathesis $st_version present in $st_venv"
fi
# The reference solver engine (sdk/python) runs on HiGHS (highspy) and
# numpy from PyPI, pinned in its pyproject.toml; the package itself is
# installed into its own virtualenv (reinstalled when its sources change).
en_venv="${STAKEBID_ENGINE_VENV:-$HOME/.cache/stakebid-engine}"
en_src="$here/../sdk/python"
en_stamp="$en_venv/.stakebid-engine-installed"
if [ ! -x "$en_venv/bin/python" ] || [ ! -f "$en_stamp" ] || [ -n "$(find "$en_src" -name '*.py' -newer "$en_stamp" -o -name pyproject.toml -newer "$en_stamp" | head -1)" ]; then
  say "installing the reference engine (sdk/python: highspy, numpy) into $en_venv"
  python3 -m venv "$en_venv"
  "$en_venv/bin/pip" install --quiet --disable-pip-version-check "$en_src"
  touch "$en_stamp"
else
  say "the reference engine is installed in $en_venv"
fi
# erc7730 (PyPI), the reference linter of ERC-7730 clear-signing
# descriptors, checks intents/data/eip712-stakebid.json and what the node
# serves. It wants Python 3.12; on 3.11 it runs with typing.override taken
# from typing_extensions (a sitecustomize.py in its own virtualenv).
e7_venv="${STAKEBID_ERC7730_VENV:-$HOME/.cache/stakebid-erc7730}"
e7_version="1.0.12"
# (pip's output is read whole first: `grep -q` closing the pipe early made
# pip die of SIGPIPE under pipefail, and setup reinstalled it every run.)
e7_have="$("$e7_venv/bin/pip" show erc7730 2>/dev/null || true)"
if [ ! -x "$e7_venv/bin/erc7730" ] || ! grep -q "^Version: $e7_version" <<<"$e7_have"; then
  say "installing erc7730 $e7_version into $e7_venv"
  python3 -m venv "$e7_venv"
  "$e7_venv/bin/pip" install --quiet --disable-pip-version-check --ignore-requires-python "erc7730==$e7_version" typing_extensions
  site="$("$e7_venv/bin/python" -c 'import site; print(site.getsitepackages()[0])')"
  printf 'import typing, typing_extensions\nif not hasattr(typing, "override"):\n    typing.override = typing_extensions.override\n' > "$site/sitecustomize.py"
else
  say "erc7730 $e7_version present in $e7_venv"
fi
