import express, { Request, Response, NextFunction } from "express";
import { z } from "zod";

export const AddressSchema = z.object({
  street: z.string(),
  zip: z.string().regex(/^[0-9]{5}$/).optional(),
});

export const CreateUserSchema = z
  .object({
    email: z.string().email(),
    name: z.string().min(1),
    age: z.number().int().positive().optional(),
    role: z.enum(["admin", "member"]).default("member"),
    address: AddressSchema.nullish(),
    tags: z.array(z.string()),
  })
  .strict();

export const UpdateUserSchema = CreateUserSchema.partial().extend({
  id: z.string().uuid(),
});

export const Role = z.enum(["admin", "member", "guest"]);

export type CreateUser = z.infer<typeof CreateUserSchema>;

const app = express();
const users = express.Router();
const API = "/api";

function validate(schema: z.ZodTypeAny) {
  return (req: Request, _res: Response, next: NextFunction) => {
    schema.parse(req.body);
    next();
  };
}

async function listUsers(_req: Request, res: Response) {
  res.json([]);
}

const createUser = async (req: Request, res: Response) => {
  const body = CreateUserSchema.parse(req.body);
  res.status(201).json(body);
};

users.get("/", listUsers);
users.post("/", createUser);
users.get("/:id", (req, res) => res.json({ id: req.params.id }));
users.patch("/:id", validate(UpdateUserSchema), async function updateUser(req, res) {
  res.json(req.body);
});
users
  .route("/:id/avatar")
  .get((_req, res) => res.sendStatus(200))
  .put(listUsers);

app.get("/health", (_req, res) => res.send("ok"));
app.delete(`${API}/sessions/:sessionId`, (_req, res) => res.sendStatus(204));
app.use(`${API}/users`, users);
app.get("env");

export default app;
