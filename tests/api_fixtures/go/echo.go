package main

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

type (
	User struct {
		ID    int    `json:"id"`
		Name  string `json:"name"`
		Email string `json:"email,omitempty"`
	}
)

func createUser(c echo.Context) error {
	u := new(User)
	if err := c.Bind(u); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, u)
}

func getUser(c echo.Context) error { return c.JSON(http.StatusOK, User{}) }

func main() {
	e := echo.New()
	e.Use(middleware.Logger())
	e.POST("/users", createUser)
	e.GET("/users/:id", getUser)

	admin := e.Group("/admin", middleware.BasicAuth(nil))
	admin.PUT("/users/:id", createUser)
	admin.Match([]string{"GET", "HEAD"}, "/stats", getUser)
	e.Logger.Fatal(e.Start(":1323"))
}
