import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Put,
  Query,
} from "@nestjs/common";
import { Observable, of } from "rxjs";

import { CreateUserDto, UpdateUserDto, UserView } from "./users.dto";
import { UsersService } from "./users.service";

@Controller("users")
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  findAll(@Query("page") page = 1): Promise<UserView[]> {
    return this.users.findAll(page);
  }

  @Get(":id")
  findOne(@Param("id") id: string): Observable<UserView> {
    return of(this.users.findOne(id));
  }

  @Post()
  @HttpCode(201)
  async create(@Body() dto: CreateUserDto): Promise<UserView> {
    return this.users.create(dto);
  }

  @Put(":id")
  update(@Param("id") id: string, @Body() dto: UpdateUserDto) {
    return this.users.update(id, dto);
  }

  @Delete(":id")
  @HttpCode(204)
  async remove(@Param("id") id: string): Promise<void> {
    await this.users.remove(id);
  }
}

@Controller({ path: "admin/users" })
export class AdminUsersController {
  @Post(":id/ban")
  ban(@Param("id") id: string, @Body("reason") reason: string): void {}
}
