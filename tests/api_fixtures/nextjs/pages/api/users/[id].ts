import type { NextApiRequest, NextApiResponse } from "next";

type User = { id: string; name: string; email?: string };

export default async function handler(req: NextApiRequest, res: NextApiResponse<User>) {
  if (req.method === "GET") {
    res.status(200).json({ id: String(req.query.id), name: "Ada" });
    return;
  }
  res.setHeader("Allow", ["GET"]);
  res.status(405).end();
}
