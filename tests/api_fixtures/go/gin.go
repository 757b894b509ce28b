package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

type Album struct {
	ID     string  `json:"id"`
	Title  string  `json:"title" binding:"required"`
	Artist string  `json:"artist"`
	Price  float64 `json:"price,omitempty"`
	Notes  *string `json:"notes"`
}

type AlbumStatus string

const (
	AlbumDraft     AlbumStatus = "draft"
	AlbumPublished AlbumStatus = "published"
)

type AlbumHandler struct{}

func (h *AlbumHandler) Create(c *gin.Context) {
	var album Album
	if err := c.ShouldBindJSON(&album); err != nil {
		c.JSON(http.StatusBadRequest, gin.H{"error": err.Error()})
		return
	}
	c.JSON(http.StatusCreated, album)
}

func (h *AlbumHandler) List(c *gin.Context) { c.JSON(http.StatusOK, []Album{}) }

func (h *AlbumHandler) Get(c *gin.Context) { c.JSON(http.StatusOK, Album{ID: c.Param("id")}) }

func authRequired() gin.HandlerFunc { return func(c *gin.Context) { c.Next() } }

func registerAdmin(rg *gin.RouterGroup) {
	admin := rg.Group("/admin", authRequired())
	admin.DELETE("/albums/:id", func(c *gin.Context) { c.Status(http.StatusNoContent) })
}

func NewRouter() *gin.Engine {
	h := &AlbumHandler{}
	r := gin.Default()
	r.GET("/ping", func(c *gin.Context) { c.String(http.StatusOK, "pong") })

	v1 := r.Group("/api/v1")
	{
		albums := v1.Group("/albums")
		albums.GET("", h.List)
		albums.GET("/:id", h.Get)
		albums.POST("/", authRequired(), h.Create)
		albums.Any("/:id/raw/*path", h.Get)
	}
	registerAdmin(v1)
	r.Handle(http.MethodPatch, "/api/v1/albums/:id", h.Create)
	return r
}
