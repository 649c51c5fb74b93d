export default defineBackground(() => {
  // Compliance collection and the OAuth consent flow live here (later issues); the worker starts empty.
});
