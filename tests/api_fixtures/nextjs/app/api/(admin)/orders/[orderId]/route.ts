type Params = { params: Promise<{ orderId: string }> };

async function read(_req: Request, { params }: Params) {
  const { orderId } = await params;
  return Response.json({ orderId });
}

const remove = async () => new Response(null, { status: 204 });

export { read as GET, remove as DELETE };
