// Where the example server listens (`cargo run --release --example server`). A real app
// calls its own HTTPS backend, added to the console's server-domain whitelist.
App({
  globalData: {
    backend: 'http://127.0.0.1:8080',
    appId: '2021001234567890',
  },
});
