const withAuth = (fn) => (req, res) => fn(req, res);

function listUsers(req, res) {
  res.status(200).json([]);
}

export default withAuth(listUsers);
