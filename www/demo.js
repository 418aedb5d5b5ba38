// The demo page's virtual OATH tokens: shown only when the proxy runs its embedded simulator, which is the only
// time it answers /demo/virtual-tokens. A real deployment serves no such route, and this script then does nothing.
const response = await fetch("demo/virtual-tokens").catch(() => null);
if (response?.ok) {
  const tokens = await response.json();
  const aside = document.getElementById("virtual-tokens");
  const list = aside.querySelector("ul");
  for (const token of tokens) {
    const item = document.createElement("li");
    const kind = `${token.tokenType}, ${token.digits} digits`;
    const command = token.tokenType === "HOTP"
      ? `oathtool --hotp -d ${token.digits} -c 0 -b ${token.secret}`
      : `oathtool --totp -d ${token.digits} -b ${token.secret}`;
    const serial = document.createElement("strong");
    serial.textContent = token.serialNumber;
    const code = document.createElement("code");
    code.textContent = command;
    item.append(serial, ` (${kind}), secret `, Object.assign(document.createElement("code"), { textContent: token.secret }), ": ", code);
    list.append(item);
  }
  aside.hidden = false;
}
