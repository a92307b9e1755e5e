// Load generator for bench_signups_serve.py: autocannon's API, one distinct registration per
// request (a fresh id, e-mail and network), so every request is scored and stored.
// usage: node signups_load.js URL SECONDS CONNECTIONS [RATE]  -> autocannon's JSON result on stdout
// RATE: requests per second over all connections (0 or absent: as fast as the server answers)
const autocannon = require(process.env.AUTOCANNON_MODULE || "autocannon");
const [url, seconds, connections, rate] = process.argv.slice(2);
let n = 0;
const agents = [
  "Mozilla/5.0 (iPhone; CPU iPhone OS 13_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 musical_ly_16.1.0",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/83.0 Safari/537.36",
  "Mozilla/5.0 (Linux; Android 10; SM-G973U) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/83.0 Mobile Safari/537.36",
];
const referrers = ["https://www.tiktok.com/", "https://www.google.com/", "", "https://l.facebook.com/"];
const instance = autocannon(
  {
    url,
    method: "POST",
    duration: Number(seconds),
    connections: Number(connections),
    ...(Number(rate) > 0 ? { overallRate: Number(rate) } : {}),
    headers: { "content-type": "application/json" },
    requests: [
      {
        setupRequest: (req) => {
          n += 1;
          req.body = JSON.stringify({
            id: `load-${process.pid}-${n}`,
            name: n % 7 === 0 ? "Donald Duck" : "Ann Lee",
            email: `user${n}@${n % 5 === 0 ? "mailinator.com" : "gmail.com"}`,
            phone: `918 ${200 + (n % 700)} ${String(n % 10000).padStart(4, "0")}`,
            postcode: n % 3 === 0 ? "90210" : "74103",
            ip: `68.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
            user_agent: agents[n % agents.length],
            referrer: referrers[n % referrers.length],
          });
          return req;
        },
      },
    ],
  },
  (err, result) => {
    if (err) {
      console.error(err);
      process.exit(1);
    }
    process.stdout.write(JSON.stringify(result));
  }
);
