//! Files in and out: items, labels and ratings in; golden sets out.
