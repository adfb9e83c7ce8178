// Placeholder replaced below once the embedded database helper exists.
export {};
