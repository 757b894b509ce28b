package main

import (
	"encoding/json"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

type Article struct {
	ID      string   `json:"id"`
	Title   string   `json:"title"`
	Tags    []string `json:"tags,omitempty"`
	Summary *string  `json:"summary"`
}

type ArticleList struct {
	Items []Article `json:"items"`
	Next  string    `json:"next,omitempty"`
}

func listArticles(w http.ResponseWriter, r *http.Request) {
	json.NewEncoder(w).Encode(ArticleList{})
}

func createArticle(w http.ResponseWriter, r *http.Request) {
	article := Article{}
	_ = json.NewDecoder(r.Body).Decode(&article)
}

func getArticle(w http.ResponseWriter, r *http.Request) {}

func adminRouter() http.Handler {
	r := chi.NewRouter()
	r.Get("/", listArticles)
	r.Delete("/articles/{articleID}", getArticle)
	return r
}

func main() {
	r := chi.NewRouter()
	r.Use(middleware.Logger)
	r.Get("/", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("welcome")) })

	r.Route("/articles", func(r chi.Router) {
		r.Get("/", listArticles)
		r.Post("/", createArticle)
		r.Route("/{articleID}", func(r chi.Router) {
			r.Get("/", getArticle)
			r.Put("/", createArticle)
		})
		r.With(middleware.NoCache).Get("/search", listArticles)
	})
	r.Group(func(r chi.Router) {
		r.Method("PATCH", "/settings", http.HandlerFunc(getArticle))
	})
	r.Mount("/admin", adminRouter())
	http.ListenAndServe(":3333", r)
}
