package pkg

const T = "from a test file"
