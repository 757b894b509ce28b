'use strict'

const fastify = require('fastify')({ logger: true })

const Product = {
  type: 'object',
  properties: { id: { type: 'string' }, title: { type: 'string' } },
}

async function productRoutes (instance, opts) {
  instance.get('/', async () => [])
  instance.get('/:productId', { schema: { response: { 200: Product } } }, getProduct)
  instance.route({
    method: ['PUT', 'PATCH'],
    url: '/:productId',
    schema: { body: Product },
    handler: updateProduct
  })
}

async function getProduct (request) {
  return { id: request.params.productId }
}

async function updateProduct (request) {
  return request.body
}

fastify.get('/ping', async () => 'pong')
fastify.post('/orders', {
  schema: { body: { type: 'object' } }
}, async function createOrder (request, reply) {
  reply.code(201)
  return request.body
})
fastify.route({
  method: 'DELETE',
  url: '/orders/:orderId',
  handler: async (request, reply) => reply.code(204).send()
})

fastify.register(productRoutes, { prefix: '/v1/products' })
fastify.register(async function (api) {
  api.get('/status', async () => ({ up: true }))
}, { prefix: '/internal' })

fastify.listen({ port: 3000 })
