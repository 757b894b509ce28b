import { NextResponse } from "next/server";
import { z } from "zod";

const NewUser = z.object({
  name: z.string(),
  email: z.string().email(),
  admin: z.boolean().optional(),
});

export async function GET() {
  return NextResponse.json([]);
}

export async function POST(request: Request) {
  const body = await request.json();
  const user = NewUser.parse(body);
  return NextResponse.json(user, { status: 201 });
}

export const dynamic = "force-dynamic";
