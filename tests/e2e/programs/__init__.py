"""Programs written against another SDK's names, run unchanged by the tests."""
