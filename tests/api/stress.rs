//! The crash test lives here (see `make stress`); filled in below.
