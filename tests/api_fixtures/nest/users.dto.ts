import { PartialType } from "@nestjs/mapped-types";
import { IsEmail, IsInt, IsOptional, IsString } from "class-validator";

export enum UserRole {
  Admin = "admin",
  Member = "member",
}

export class CreateUserDto {
  @IsEmail()
  readonly email: string;

  @IsString()
  name: string;

  @IsOptional()
  @IsInt()
  age?: number;

  role: UserRole = UserRole.Member;
}

export class UpdateUserDto extends PartialType(CreateUserDto) {}

export interface UserView {
  id: string;
  email: string;
  name?: string;
  roles: UserRole[];
}

export type UserStatus = "active" | "suspended";
