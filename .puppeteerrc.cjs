// Tests drive Debian's Chromium; puppeteer must never try to download its own browser (no internet here).
/** @type {import("puppeteer").Configuration} */
module.exports = {
  skipDownload: true,
  executablePath: '/usr/bin/chromium',
};
