#!/usr/bin/env bash
# Makes a throwaway test PKI with openssl, for local runs and tests only:
#   ca.crt/ca.key                 the CA that Envoy trusts for client certificates
#   server.crt/server.key         Envoy's certificate, SAN DNS:localhost, IP:127.0.0.1
#   <name>.crt/<name>.key         client certificates whose URI SAN is a SPIFFE id:
#     orchestrator  spiffe://cluster.local/ns/ai/sa/orchestrator
#     gateway       spiffe://cluster.local/ns/edge/sa/api-gateway
#     stranger      spiffe://cluster.local/ns/default/sa/stranger
#   envoy.crt/envoy.key           Envoy's SVID towards jrego, spiffe://cluster.local/ns/edge/sa/envoy
#   jrego/svid.pem, jrego/svid_key.pem, jrego/bundle.pem
#                                 jrego's SVID (spiffe://cluster.local/ns/jrego/sa/jrego) as
#                                 spiffe-helper writes it, for jrego serve --tls-svid-dir
# Existing files are kept (delete the folder to start over).
#
# Usage: envoy-config/make-certs.sh [DIR]     (default: envoy-config/certs, gitignored)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
dir="${1:-$here/certs}"
days=825
mkdir -p "$dir"
cd "$dir"

if [[ ! -f ca.crt ]]; then
  openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days "$days" \
    -keyout ca.key -out ca.crt -subj "/O=jrego test/CN=jrego test CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
fi

# issue NAME SUBJECT_CN SAN EXTENDED_KEY_USAGE
issue() {
  local name="$1" cn="$2" san="$3" eku="$4"
  [[ -f "$name.crt" ]] && return 0
  openssl req -newkey rsa:2048 -nodes -sha256 -keyout "$name.key" -out "$name.csr" \
    -subj "/O=jrego test/CN=$cn" 2>/dev/null
  printf '%s\n' \
    "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature,keyEncipherment" \
    "extendedKeyUsage=$eku" \
    "subjectAltName=$san" > "$name.ext"
  openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial \
    -days "$days" -sha256 -extfile "$name.ext" -out "$name.crt" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
}

issue server localhost "DNS:localhost,IP:127.0.0.1" serverAuth
issue orchestrator orchestrator "URI:spiffe://cluster.local/ns/ai/sa/orchestrator" clientAuth
issue gateway api-gateway "URI:spiffe://cluster.local/ns/edge/sa/api-gateway" clientAuth
issue stranger stranger "URI:spiffe://cluster.local/ns/default/sa/stranger" clientAuth
issue envoy envoy "URI:spiffe://cluster.local/ns/edge/sa/envoy" clientAuth
issue jrego-svid jrego "URI:spiffe://cluster.local/ns/jrego/sa/jrego" serverAuth,clientAuth
mkdir -p jrego
cp jrego-svid.crt jrego/svid.pem
cp jrego-svid.key jrego/svid_key.pem   # PKCS#8, as openssl req -newkey writes it
cp ca.crt jrego/bundle.pem

chmod 600 ./*.key jrego/svid_key.pem
for c in server orchestrator gateway stranger envoy jrego-svid; do
  openssl verify -CAfile ca.crt "$c.crt" >/dev/null
done
crts=(*.crt)
echo "certificates in $(pwd): ${crts[*]}"
