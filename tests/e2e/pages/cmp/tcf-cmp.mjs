// A small CMP built on the IAB's open-source libraries: @iabtcf/cmpapi serves __tcfapi,
// @iabtcf/core's TCModel and TCString encode the visitor's choices against the committed vendor
// list fixture (no network). It keeps its TC string in the usual `euconsent-v2` cookie and shows
// a banner with buttons, like a real CMP. Bundled by tests/e2e/consent_sources.test.mjs.
//
// Query parameters: `cmp=never` (the CMP never loads: only the stub answers, i.e. never),
// `cmp=malformed` (the CMP's getTCData answer carries a TC string that does not decode),
// `delay=ms` (the CMP loads late: Tailor's call waits in the stub's queue).
import { CmpApi } from "@iabtcf/cmpapi";
import { GVL, TCModel, TCString } from "@iabtcf/core";
import vendorList from "./vendor-list.json";

const params = new URLSearchParams(location.search);
const COOKIE = "euconsent-v2";
const gvl = new GVL(vendorList);
// A TC string that @iabtcf/core refuses to decode ("invalid value 0 passed for cmpId").
const MALFORMED = "CPz5oAAPz5oAAAAAAAENAICsAP_AAH_AAAAAJNtT_G__bX9r-Z7_7-2ugx";
window.tcStringDecodes = (text) => {
  try {
    TCString.decode(text);
    return true;
  } catch (e) {
    return false;
  }
};

function stored() {
  const m = document.cookie.match(/(?:^|; )euconsent-v2=([^;]*)/);
  return m ? decodeURIComponent(m[1]) : null;
}

function encode(purposes) {
  const model = new TCModel(gvl);
  model.cmpId = 10;
  model.cmpVersion = 1;
  model.consentScreen = 1;
  model.publisherCountryCode = "JP";
  model.purposeConsents.set(purposes);
  // Purposes 2 and 7-11 may rest on legitimate interest: not objected to unless rejected.
  if (purposes.length) model.purposeLegitimateInterests.set([2, 7, 8, 9, 10, 11]);
  const vendors = Object.keys(vendorList.vendors).map(Number);
  if (purposes.length) model.vendorConsents.set(vendors);
  return TCString.encode(model);
}

function start() {
  const malformed = params.get("cmp") === "malformed";
  const custom = malformed
    ? { getTCData: (next, tcData, success) => {
        // A CMP bug: it hands out the stored string as it found it, without decoding it.
        if (tcData && typeof tcData === "object") tcData.tcString = MALFORMED;
        next(tcData, success);
      } }
    : undefined;
  const cmp = new CmpApi(10, 1, false, custom);
  window.cmp = cmp;
  let current = stored();
  const banner = document.getElementById("cmp-banner");
  function choose(purposes) {
    current = encode(purposes);
    document.cookie = COOKIE + "=" + encodeURIComponent(current) + "; path=/; SameSite=Lax";
    banner.hidden = true;
    cmp.update(current, false); // eventStatus: useractioncomplete
  }
  document.getElementById("cmp-accept").onclick = () => choose([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  document.getElementById("cmp-reject").onclick = () => choose([]);
  document.getElementById("cmp-some").onclick = () => choose([1, 5, 6]); // content personalization only
  document.getElementById("cmp-manage").onclick = () => {
    banner.hidden = false;
    cmp.update(current || "", true); // re-opened: cmpuishown
  };
  if (malformed) {
    cmp.update(encode([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), false);
  } else if (current) {
    banner.hidden = true;
    cmp.update(current, false); // eventStatus: tcloaded
  } else {
    banner.hidden = false;
    cmp.update("", true); // first visit: the banner is shown, nothing decided yet
  }
}

if (params.get("cmp") !== "never") {
  const delay = Number(params.get("delay") || 0);
  if (delay > 0) setTimeout(start, delay);
  else start();
}
